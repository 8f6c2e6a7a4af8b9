// The one yes/no question pages ask before something that cannot be undone (删除, 撤回, 发布…):
// uni.showModal as a promise of true (confirmed) or false (cancelled, or no modal could open).
export function confirm(title, content) {
  return new Promise((resolve) => {
    uni.showModal({ title, content, success: (res) => resolve(!!(res && res.confirm)), fail: () => resolve(false) })
  })
}
