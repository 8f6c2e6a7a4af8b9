// Calls of ehall.feedback.v1.Feedback (意见反馈), as the gateway exposes them over HTTP/JSON.
// It must never reshape the reply beyond proto3 JSON's own rules; pages format for display.
import { apiRequest } from './request.js'

// The categories a user picks from, in the form's order; `value` is the proto enum name.
export const FEEDBACK_CATEGORIES = [
  { key: 'suggestion', value: 'FEEDBACK_CATEGORY_SUGGESTION', label: '建议', labelEn: 'Suggestion' },
  { key: 'problem', value: 'FEEDBACK_CATEGORY_PROBLEM', label: '问题', labelEn: 'Problem' },
  { key: 'praise', value: 'FEEDBACK_CATEGORY_PRAISE', label: '表扬', labelEn: 'Praise' },
  { key: 'other', value: 'FEEDBACK_CATEGORY_OTHER', label: '其他', labelEn: 'Other' },
]

// Limits the core enforces (core/feedback/feedback_rules.h), repeated so the form can count.
export const FEEDBACK_CONTENT_MIN = 5
export const FEEDBACK_CONTENT_MAX = 2000
export const FEEDBACK_CONTACT_MAX = 100

// POST /api/v1/feedback → FeedbackReceipt { id, createTime, message }. `idempotencyKey` is the
// same for every retry of one submission, so a retry after a lost reply is stored once.
export async function feedbackSubmit({ category, content, contact, page }, idempotencyKey) {
  const receipt = await apiRequest({
    method: 'POST',
    path: '/api/v1/feedback',
    data: { category, content, contact: contact || '', page: page || '' },
    headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : undefined,
  })
  return {
    id: receipt.id || '',
    createTime: receipt.createTime || '',
    message: receipt.message || '',
  }
}
