"""test_approvals.py — approvals against the real core, gateway, PostgreSQL and Redis: processes
saved with every problem named and nothing stored, versions that never change running
applications, the leave flow (counselor, then the college leader beyond 3 days; a return, a
resubmission, both approving), every mode (single, any-of with two approvers racing, all-of,
ratio), transfer, signers added before and after, comments, delegation with "acting for", the
applicant never an approver, 催办 once a day, held seats released on rejection and booked on
approval, SLA timers claimed by the worker, outbox rows in every transition's transaction, and
nobody reading or acting on what is not his.
"""
import concurrent.futures
import importlib
import json
import unittest
import uuid

import grpc

import harness
from booking_fixtures import Bk, day, fields
from catalog_fixtures import Refusals
from identity_fixtures import create_account, psql
from org_fixtures import org_modules

SC = grpc.StatusCode


class ApprovalsTest(Refusals, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Bk()
        harness.grpc_modules()
        cls.fpb = importlib.import_module("ehall.forms.v1.forms_pb2")
        fpbg = importlib.import_module("ehall.forms.v1.forms_pb2_grpc")
        cls.pb = importlib.import_module("ehall.approvals.v1.approvals_pb2")
        apbg = importlib.import_module("ehall.approvals.v1.approvals_pb2_grpc")
        cls.forms = fpbg.FormsStub(cls.c.channel)
        cls.fadmin = fpbg.FormAdminStub(cls.c.channel)
        cls.appr = apbg.ApprovalsStub(cls.c.channel)
        cls.padmin = apbg.ProcessAdminStub(cls.c.channel)
        cls.opb, opbg = org_modules()
        cls.groups = opbg.GroupsStub(cls.c.channel)
        cls.delegations = opbg.DelegationsStub(cls.c.channel)
        # Private groups: the counselor of class K1 and the leader of college C.
        tag = uuid.uuid4().hex[:8]
        cls.g_cou, cls.g_lead = f"t_{tag}_cou", f"t_{tag}_lead"
        c = cls.c
        for code, name in ((cls.g_cou, "测试辅导员组"), (cls.g_lead, "测试学院领导组")):
            cls.groups.CreateGroup(cls.opb.CreateGroupRequest(
                code=code, name=name, owner_code=c.tree.D), metadata=c.hall_md, timeout=10)
        cls.cou_id, cls.cou = cls.staff("王辅导员")
        cls.lead_id, cls.lead = cls.staff("李院长")
        cls.member(cls.g_cou, cls.cou_id, c.tree.K1)
        cls.member(cls.g_lead, cls.lead_id, c.tree.C)

    @classmethod
    def tearDownClass(cls):
        cls.c.close()

    @classmethod
    def staff(cls, name):
        return cls.c.person(cls.c.tree.C, roles=("staff",), kind=2, name=name)

    @classmethod
    def member(cls, group, campus_id, unit):
        cls.groups.AddMember(cls.opb.AddMemberRequest(group=group, campus_id=campus_id,
                                                      scopes=[unit]),
                             metadata=cls.c.hall_md, timeout=10)

    # --- helpers ----------------------------------------------------------------------------

    def form(self):
        F, P = self.fpb.FieldType, self.fpb.PrefillSource
        f = self.fpb.FormField
        return self.fpb.FormDefinition(title="请假", fields=[
            f(key="name", label="姓名", type=F.Value("FIELD_TYPE_TEXT"),
              prefill=P.Value("PREFILL_SOURCE_NAME"), locked=True),
            f(key="days", label="天数", type=F.Value("FIELD_TYPE_NUMBER"), required=True,
              has_min=True, min=1, has_max=True, max=30),
            f(key="reason", label="事由", type=F.Value("FIELD_TYPE_TEXT"), required=True),
            f(key="reviewer", label="指定审核人", type=F.Value("FIELD_TYPE_TEXT")),
            f(key="proof", label="证明材料", type=F.Value("FIELD_TYPE_FILES")),
        ])

    def step(self, key, name, groups=(), mode="SINGLE", **kw):
        pb = self.pb
        srcs = [pb.ApproverSource(kind=pb.APPLICANT_GROUP, group_code=g) for g in groups]
        srcs += kw.pop("sources", [])
        return pb.Step(key=key, name=name, kind=kw.pop("kind", pb.APPROVAL),
                       mode=pb.ApprovalMode.Value(mode), approvers=srcs, **kw)

    def leave_steps(self):
        pb = self.pb
        return [self.step("counselor", "辅导员审批", [self.g_cou]),
                self.step("leader", "学院领导审批", [self.g_lead], "ANY_OF",
                          condition=pb.StepCondition(field="days", op="gt", value="3"))]

    def service(self, steps, mode=None, publish=True):
        """An online service of D with the test form and a process of these steps (published)."""
        c = self.c
        code = c.create(mode=mode or c.pb.HANDLING_MODE_ONLINE, name="测试审批服务")
        self.fadmin.SaveForm(self.fpb.SaveFormRequest(service_code=code, form=self.form()),
                             metadata=c.d_md, timeout=10)
        info = self.padmin.SaveProcess(self.pb.SaveProcessRequest(
            service_code=code, process=self.pb.ProcessDefinition(steps=steps)),
            metadata=c.d_md, timeout=10)
        if publish:
            self.padmin.PublishProcess(self.pb.PublishProcessRequest(
                service_code=code, version=info.versions[0].version), metadata=c.d_md, timeout=10)
        return code

    def struct(self, d):
        from google.protobuf import struct_pb2
        s = struct_pb2.Struct()
        s.update(d)
        return s

    def submit(self, code, md, days=2, slot_id="", **extra):
        data = {"days": days, "reason": "回家"}
        data.update(extra)
        return self.forms.SubmitApplication(self.fpb.SubmitApplicationRequest(
            service_code=code, data=self.struct(data), slot_id=slot_id), metadata=md, timeout=10)

    def student(self):
        return self.c.person(self.c.tree.K1, name="请假学生")

    def todo(self, md, box=None, **kw):
        return self.appr.ListTasks(self.pb.ListTasksRequest(box=box or self.pb.TODO, **kw),
                                   metadata=md, timeout=10)

    def task_of(self, md, app_id):
        ts = [t for t in self.todo(md).tasks if t.application_id == app_id]
        self.assertEqual(len(ts), 1, ts)
        return ts[0]

    def act(self, md, task_id, action, opinion="", **kw):
        return self.appr.ActOnTask(self.pb.ActOnTaskRequest(
            task_id=task_id, action=action, opinion=opinion, **kw), metadata=md, timeout=10)

    def app(self, md, app_id):
        return self.forms.GetApplication(self.fpb.GetApplicationRequest(id=app_id), metadata=md,
                                         timeout=10)

    def outbox(self, app_id):
        return [r[0] for r in psql(self.c.dsn, "SELECT topic FROM outbox WHERE application_id"
                                               " = :'v1' ORDER BY id", app_id)]

    # --- definitions and versions -------------------------------------------------------------

    def test_bad_definitions_name_every_problem_and_store_nothing(self):
        c, pb = self.c, self.pb
        code = self.service(self.leave_steps(), publish=False)
        bad = pb.ProcessDefinition(steps=[
            self.step("counselor", "辅导员审批", [self.g_cou]),
            self.step("counselor", "", [self.g_lead], condition=pb.StepCondition(
                field="nosuch", op="gt", value="3")),
            self.step("par", "并行", kind=pb.PARALLEL, branches=[pb.Branch(name="一", steps=[])]),
            self.step("r", "比例", [self.g_cou], "RATIO", ratio_percent=0),
        ])
        for validate_only in (True, False):
            e = self.refused(SC.INVALID_ARGUMENT, self.padmin.SaveProcess,
                             pb.SaveProcessRequest(service_code=code, process=bad,
                                                   validate_only=validate_only),
                             metadata=c.d_md, timeout=10)
            f = set(fields(e))
            for path in ("process.steps[1].key", "process.steps[1].name",
                         "process.steps[1].condition.field", "process.steps[3].ratio_percent"):
                self.assertIn(path, f)
            self.assertTrue(any(p.startswith("process.steps[2].branches") for p in f), f)
        info = self.padmin.GetProcess(pb.GetProcessRequest(service_code=code), metadata=c.d_md,
                                      timeout=10)
        self.assertEqual([v.version for v in info.versions], [1])  # the bad one never stored
        ok = self.padmin.SaveProcess(pb.SaveProcessRequest(
            service_code=code, process=pb.ProcessDefinition(steps=self.leave_steps()),
            validate_only=True), metadata=c.d_md, timeout=10)
        self.assertTrue(ok.validated)
        self.assertEqual(len(ok.versions), 1)
        # Another department's admin may not change it.
        self.refused(SC.PERMISSION_DENIED, self.padmin.SaveProcess,
                     pb.SaveProcessRequest(service_code=code, process=pb.ProcessDefinition(
                         steps=self.leave_steps())), metadata=c.e_md, timeout=10)
        rows = psql(c.dsn, "SELECT count(*) FROM audit_log WHERE action = 'approvals.process.save'"
                           " AND target = :'v1'", "service:" + code)
        self.assertEqual(rows[0][0], "1")

    def test_publishing_never_changes_running_applications(self):
        c, pb = self.c, self.pb
        code = self.service(self.leave_steps())
        _, st = self.student()
        a = self.submit(code, st, days=5)
        # Version 2: the leader only.
        v2 = self.padmin.SaveProcess(pb.SaveProcessRequest(
            service_code=code, process=pb.ProcessDefinition(steps=[
                self.step("leader", "学院领导审批", [self.g_lead])])), metadata=c.d_md, timeout=10)
        self.assertEqual(v2.versions[0].version, 2)
        self.assertEqual(v2.published_version, 1)
        running = {v.version: v.running for v in v2.versions}
        self.assertEqual(running, {1: 1, 2: 0})  # what the editor shows before publishing
        self.padmin.PublishProcess(pb.PublishProcessRequest(service_code=code, version=2),
                                   metadata=c.d_md, timeout=10)
        self.refused(SC.NOT_FOUND, self.padmin.PublishProcess,
                     pb.PublishProcessRequest(service_code=code, version=9),
                     metadata=c.d_md, timeout=10)
        # The running application still waits for the counselor (version 1).
        self.assertEqual(self.task_of(self.cou, a.id).step_key, "counselor")
        b = self.submit(code, st, days=5)
        self.assertEqual(self.task_of(self.lead, b.id).step_key, "leader")
        self.assertEqual([t.application_id for t in self.todo(self.cou).tasks
                          if t.application_id == b.id], [])
        prog = self.appr.GetProgress(pb.GetProgressRequest(application_id=a.id), metadata=st,
                                     timeout=10)
        self.assertEqual(prog.process_version, 1)

    # --- the leave flow -------------------------------------------------------------------------

    def test_leave_flow_with_return_and_resubmission(self):
        c, pb = self.c, self.pb
        code = self.service(self.leave_steps())
        _, st = self.student()
        # Two days: the counselor alone decides.
        short = self.submit(code, st, days=2)
        self.assertEqual(short.state, self.fpb.APPLICATION_STATE_IN_REVIEW)
        t = self.task_of(self.cou, short.id)
        r = self.act(self.cou, t.id, pb.APPROVE, "同意")
        self.assertEqual(r.application_state, self.fpb.APPLICATION_STATE_APPROVED)
        # Five days: counselor, then the leader, who returns it.
        a = self.submit(code, st, days=5)
        self.act(self.cou, self.task_of(self.cou, a.id).id, pb.APPROVE, "情况属实，同意")
        lt = self.task_of(self.lead, a.id)
        self.assertEqual((lt.step_name, lt.applicant_name), ("学院领导审批", "请假学生"))
        self.refused(SC.INVALID_ARGUMENT, self.act, self.lead, lt.id, pb.RETURN_TO_APPLICANT, "")
        r = self.act(self.lead, lt.id, pb.RETURN_TO_APPLICANT, "请补充返校日期")
        self.assertEqual(r.application_state, self.fpb.APPLICATION_STATE_RETURNED)
        self.assertEqual(list(self.todo(self.lead, service_code=code).tasks), [])
        # The student sees who said what, amends and resubmits: the process starts again.
        got = self.app(st, a.id)
        notes = [(e.action, e.actor_name, e.note, e.step_name) for e in got.timeline]
        self.assertIn(("approve", "王辅导员", "情况属实，同意", "辅导员审批"), notes)
        self.assertIn(("return", "李院长", "请补充返校日期", "学院领导审批"), notes)
        self.forms.ResubmitApplication(self.fpb.ResubmitApplicationRequest(
            id=a.id, data=self.struct({"days": 5, "reason": "回家，12 月 10 日返校"})),
            metadata=st, timeout=10)
        self.act(self.cou, self.task_of(self.cou, a.id).id, pb.APPROVE, "再次同意")
        r = self.act(self.lead, self.task_of(self.lead, a.id).id, pb.APPROVE, "同意")
        self.assertEqual(r.application_state, self.fpb.APPLICATION_STATE_APPROVED)
        prog = self.appr.GetProgress(pb.GetProgressRequest(application_id=a.id), metadata=st,
                                     timeout=10)
        self.assertEqual([(o.actor_name, o.action, o.opinion) for o in prog.opinions], [
            ("王辅导员", pb.APPROVE, "情况属实，同意"), ("李院长", pb.RETURN_TO_APPLICANT, "请补充返校日期"),
            ("王辅导员", pb.APPROVE, "再次同意"), ("李院长", pb.APPROVE, "同意")])
        self.assertFalse(prog.can_remind)
        # Each transition wrote its outbox row in its transaction.
        topics = self.outbox(a.id)
        for topic in ("approvals.application.started", "approvals.task.created",
                      "approvals.step.passed", "approvals.application.returned",
                      "approvals.application.approved"):
            self.assertIn(topic, topics)
        done = self.todo(self.lead, box=pb.DONE)
        self.assertIn(a.id, [t.application_id for t in done.tasks])
        self.assertGreaterEqual(done.done_count, 2)
        # A box's total: every match without filters, only the filter's with one.
        self.assertEqual(done.total, done.done_count)
        leave = self.todo(self.lead, box=pb.DONE, service_code=code)  # returned, then approved
        self.assertEqual(leave.total, 2)
        self.assertEqual([t.application_id for t in leave.tasks], [a.id, a.id])
        self.assertEqual(self.todo(self.lead, box=pb.DONE, service_code="no-such-service").total, 0)
        mine = self.todo(self.cou)
        self.assertEqual(mine.total, mine.todo_count)
        self.assertEqual(self.todo(self.cou, overdue_only=True).total, mine.overdue_count)

    # --- modes ----------------------------------------------------------------------------------

    def test_any_of_race_counts_one_decision(self):
        c, pb = self.c, self.pb
        x_id, x = self.staff("审批人甲")
        y_id, y = self.staff("审批人乙")
        code = self.service([self.step("either", "或签", mode="ANY_OF", sources=[
            pb.ApproverSource(kind=pb.PERSON, campus_id=x_id),
            pb.ApproverSource(kind=pb.PERSON, campus_id=y_id)])])
        for _ in range(3):
            _, st = self.student()
            a = self.submit(code, st)
            tx, ty = self.task_of(x, a.id), self.task_of(y, a.id)
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                futs = [pool.submit(self.act, md, t.id, pb.APPROVE, "同意")
                        for md, t in ((x, tx), (y, ty))]
                results = []
                for f in futs:
                    try:
                        results.append(("ok", f.result().application_state))
                    except grpc.RpcError as e:
                        results.append((e.code(), e.details()))
            oks = [r for r in results if r[0] == "ok"]
            self.assertEqual(len(oks), 1, results)
            self.assertEqual(oks[0][1], self.fpb.APPLICATION_STATE_APPROVED)
            other = [r for r in results if r[0] != "ok"][0]
            self.assertEqual(other[0], SC.FAILED_PRECONDITION)
            self.assertIn("已", other[1])
            decided = psql(c.dsn, "SELECT count(*) FROM application_events WHERE"
                                  " application_id = :'v1' AND action = 'approve'", a.id)
            self.assertEqual(decided[0][0], "1")

    def test_all_of_and_ratio(self):
        c, pb = self.c, self.pb
        people = [self.staff(f"会签人{i}") for i in range(3)]
        srcs = [pb.ApproverSource(kind=pb.PERSON, campus_id=p[0]) for p in people]
        _, st = self.student()
        all_of = self.service([self.step("all", "会签", mode="ALL_OF", sources=srcs)])
        a = self.submit(all_of, st)
        for i, (_, md) in enumerate(people):
            r = self.act(md, self.task_of(md, a.id).id, pb.APPROVE, "同意")
            want = (self.fpb.APPLICATION_STATE_APPROVED if i == 2
                    else self.fpb.APPLICATION_STATE_IN_REVIEW)
            self.assertEqual(r.application_state, want)
        b = self.submit(all_of, st)
        self.act(people[0][1], self.task_of(people[0][1], b.id).id, pb.APPROVE, "同意")
        r = self.act(people[1][1], self.task_of(people[1][1], b.id).id, pb.REJECT, "不同意")
        self.assertEqual(r.application_state, self.fpb.APPLICATION_STATE_REJECTED)
        self.assertEqual([t for t in self.todo(people[2][1]).tasks if t.application_id == b.id], [])
        # 60 %: two of three pass; two rejections make it unreachable.
        ratio = self.service([self.step("r", "比例", mode="RATIO", ratio_percent=60,
                                        sources=srcs)])
        d = self.submit(ratio, st)
        self.act(people[0][1], self.task_of(people[0][1], d.id).id, pb.APPROVE, "同意")
        r = self.act(people[1][1], self.task_of(people[1][1], d.id).id, pb.APPROVE, "同意")
        self.assertEqual(r.application_state, self.fpb.APPLICATION_STATE_APPROVED)
        e = self.submit(ratio, st)
        self.act(people[0][1], self.task_of(people[0][1], e.id).id, pb.REJECT, "否")
        r = self.act(people[1][1], self.task_of(people[1][1], e.id).id, pb.REJECT, "否")
        self.assertEqual(r.application_state, self.fpb.APPLICATION_STATE_REJECTED)

    def test_transfer_signers_comment_and_return_to_step(self):
        c, pb = self.c, self.pb
        x_id, x = self.staff("转办人")
        y_id, y = self.staff("加签人")
        code = self.service(self.leave_steps())
        st_id, st = self.student()
        a = self.submit(code, st, days=5)
        t = self.task_of(self.cou, a.id)
        # Transfer: to the applicant refused; to x moves the task.
        self.refused(SC.INVALID_ARGUMENT, self.act, self.cou, t.id, pb.TRANSFER, "转",
                     target_campus_id=st_id)
        self.act(self.cou, t.id, pb.TRANSFER, "请代为审批", target_campus_id=x_id)
        self.assertEqual([u for u in self.todo(self.cou).tasks if u.application_id == a.id], [])
        tx = self.task_of(x, a.id)
        self.act(x, tx.id, pb.COMMENT, "已电话核实")
        # Before: y acts first, then the task comes back to x.
        self.act(x, tx.id, pb.ADD_SIGNER_BEFORE, "请先看", target_campus_id=y_id)
        self.refused(SC.FAILED_PRECONDITION, self.act, x, tx.id, pb.APPROVE, "同意")
        self.act(y, self.task_of(y, a.id).id, pb.APPROVE, "可以")
        r = self.act(x, tx.id, pb.APPROVE, "同意")
        self.assertEqual(list(r.next_steps), ["学院领导审批"])
        # The leader sends it back to the counselor step; x (who holds it by transfer? no: the
        # step resolves again) — the counselor gets a new task.
        lt = self.task_of(self.lead, a.id)
        view = self.appr.GetApproval(pb.GetApprovalRequest(application_id=a.id),
                                     metadata=self.lead, timeout=10)
        self.assertEqual(view.my_task_id, lt.id)
        self.assertEqual([s.key for s in view.return_targets], ["counselor"])
        self.assertIn(pb.RETURN_TO_STEP, view.allowed)
        self.refused(SC.INVALID_ARGUMENT, self.act, self.lead, lt.id, pb.RETURN_TO_STEP, "重审",
                     return_to_step="leader")
        self.act(self.lead, lt.id, pb.RETURN_TO_STEP, "请辅导员再核实", return_to_step="counselor")
        ct = self.task_of(self.cou, a.id)
        # After: the counselor approves, y must too before the step passes.
        r = self.act(self.cou, ct.id, pb.ADD_SIGNER_AFTER, "同意，请加签", target_campus_id=y_id)
        self.assertEqual(list(r.next_steps), ["辅导员审批"])
        r = self.act(y, self.task_of(y, a.id).id, pb.APPROVE, "同意")
        self.assertEqual(list(r.next_steps), ["学院领导审批"])
        view = self.appr.GetApproval(pb.GetApprovalRequest(application_id=a.id),
                                     metadata=self.lead, timeout=10)
        acts = [(o.actor_name, o.action, o.target_name) for o in view.opinions]
        self.assertIn(("王辅导员", pb.TRANSFER, "转办人"), acts)
        self.assertIn(("转办人", pb.ADD_SIGNER_BEFORE, "加签人"), acts)
        self.assertIn(("转办人", pb.COMMENT, ""), acts)
        self.assertIn(("李院长", pb.RETURN_TO_STEP, "counselor"), acts)
        self.assertEqual(dict(view.data)["days"], 5)

    def test_parallel_branches_cc_and_when_empty(self):
        c, pb = self.c, self.pb
        x_id, x = self.staff("并行甲")
        y_id, y = self.staff("并行乙")
        z_id, z = self.staff("抄送人")
        person = lambda cid: [pb.ApproverSource(kind=pb.PERSON, campus_id=cid)]
        nobody = [pb.ApproverSource(kind=pb.APPLICANT_GROUP, group_code="t_no_such_group")]
        steps = [
            self.step("gone", "无人可审跳过", sources=nobody, when_empty=pb.SKIP),
            self.step("auto", "无人自动通过", sources=nobody, when_empty=pb.AUTO_APPROVE),
            self.step("par", "并行审批", kind=pb.PARALLEL, mode="APPROVAL_MODE_UNSPECIFIED",
                      branches=[
                          pb.Branch(name="甲", steps=[self.step("bx", "甲审批", sources=person(x_id),
                                                               hide_opinions=True)]),
                          pb.Branch(name="乙", steps=[
                              self.step("by", "乙审批", sources=person(y_id)),
                              self.step("cc", "抄送", kind=pb.CC, mode="APPROVAL_MODE_UNSPECIFIED",
                                        sources=person(z_id))])]),
            self.step("last", "终审", [self.g_lead]),
        ]
        code = self.service(steps)
        _, st = self.student()
        a = self.submit(code, st)
        prog = self.appr.GetProgress(pb.GetProgressRequest(application_id=a.id), metadata=st,
                                     timeout=10)
        self.assertEqual([(s.key, s.status) for s in prog.steps], [
            ("gone", "skipped"), ("auto", "approved"), ("bx", "active"), ("by", "active")])
        # One branch done is not the stage done; the copy goes out when its branch reaches it.
        r = self.act(y, self.task_of(y, a.id).id, pb.APPROVE, "乙同意")
        self.assertEqual(list(r.next_steps), ["甲审批"])
        cc = self.todo(z, box=pb.CC_BOX)
        self.assertEqual([t.application_id for t in cc.tasks], [a.id])
        self.assertEqual(cc.cc_unread_count, 1)
        self.assertEqual(cc.total, 1)
        self.appr.GetApproval(pb.GetApprovalRequest(application_id=a.id), metadata=z, timeout=10)
        cc = self.todo(z, box=pb.CC_BOX)
        self.assertEqual((cc.cc_unread_count, cc.total), (0, 1))
        self.assertEqual(self.todo(z, box=pb.CC_BOX, service_code=code).total, 1)
        r = self.act(x, self.task_of(x, a.id).id, pb.APPROVE, "甲的内部意见")
        self.assertEqual(list(r.next_steps), ["终审"])
        # 甲's step hides its opinions from the applicant, not from later approvers.
        prog = self.appr.GetProgress(pb.GetProgressRequest(application_id=a.id), metadata=st,
                                     timeout=10)
        seen = {(o.step_key, o.opinion) for o in prog.opinions}
        self.assertIn(("bx", ""), seen)
        self.assertIn(("by", "乙同意"), seen)
        self.assertNotIn("甲的内部意见", json.dumps([e.note for e in self.app(st, a.id).timeline],
                                                 ensure_ascii=False))
        view = self.appr.GetApproval(pb.GetApprovalRequest(application_id=a.id),
                                     metadata=self.lead, timeout=10)
        self.assertIn(("bx", "甲的内部意见"), {(o.step_key, o.opinion) for o in view.opinions})
        # A rejection in one branch ends the application and the other branch's tasks.
        b = self.submit(code, st)
        self.act(x, self.task_of(x, b.id).id, pb.REJECT, "不同意")
        self.assertEqual(self.app(st, b.id).state, self.fpb.APPLICATION_STATE_REJECTED)
        self.assertEqual([t for t in self.todo(y).tasks if t.application_id == b.id], [])

    def test_escalation_at_due(self):
        c, pb = self.c, self.pb
        code = self.service([self.step("slow", "需升级", [self.g_cou], due_working_days=2,
                                       on_due=pb.ESCALATE)])
        _, st = self.student()
        a = self.submit(code, st)
        self.task_of(self.cou, a.id)
        psql(c.dsn, "UPDATE approval_timers SET fire_at = now() - interval '1 second'"
                    " WHERE kind = 2 AND step_id IN (SELECT id FROM approval_steps"
                    " WHERE application_id = :'v1')", a.id)
        got = harness.wait_for(lambda: [t for t in self.todo(c.d_md).tasks
                                        if t.application_id == a.id], timeout=30)
        self.assertEqual(len(got), 1)
        self.assertEqual([t for t in self.todo(self.cou).tasks if t.application_id == a.id], [])
        r = self.act(c.d_md, got[0].id, pb.APPROVE, "超期，部门代为审批")
        self.assertEqual(r.application_state, self.fpb.APPLICATION_STATE_APPROVED)

    # --- delegation and access ------------------------------------------------------------------

    def test_delegation_acts_for_the_member(self):
        c, pb = self.c, self.pb
        d_id, dmd = self.staff("代理人")
        code = self.service(self.leave_steps())
        _, st = self.student()
        before = self.submit(code, st)  # created for the counselor himself
        self.delegations.CreateDelegation(self.opb.CreateDelegationRequest(
            to_campus_id=d_id, start_date=day(0), end_date=day(1), reason="出差"),
            metadata=self.cou, timeout=10)
        try:
            after = self.submit(code, st)
            t = self.task_of(dmd, after.id)  # given to the delegate, acting for him
            self.assertEqual(t.acting_for_name, "王辅导员")
            # The delegate also sees and decides the counselor's earlier task.
            t0 = self.task_of(dmd, before.id)
            self.assertEqual(t0.acting_for_name, "王辅导员")
            self.act(dmd, t0.id, pb.APPROVE, "代为同意")
            prog = self.appr.GetProgress(pb.GetProgressRequest(application_id=before.id),
                                         metadata=st, timeout=10)
            self.assertEqual([(o.actor_name, o.acting_for_name) for o in prog.opinions],
                             [("代理人", "王辅导员")])
        finally:
            for dl in self.delegations.ListDelegations(self.opb.ListDelegationsRequest(),
                                                       metadata=self.cou, timeout=10).given:
                self.delegations.EndDelegation(self.opb.EndDelegationRequest(id=dl.id),
                                               metadata=self.cou, timeout=10)

    def test_nobody_reads_or_acts_on_what_is_not_his(self):
        c, pb = self.c, self.pb
        code = self.service(self.leave_steps())
        st_id, st = self.student()
        a = self.submit(code, st)
        t = self.task_of(self.cou, a.id)
        _, stranger = self.staff("路人")
        self.refused(SC.NOT_FOUND, self.appr.GetApproval,
                     pb.GetApprovalRequest(application_id=a.id), metadata=stranger, timeout=10)
        self.refused(SC.NOT_FOUND, self.act, stranger, t.id, pb.APPROVE, "同意")
        self.refused(SC.NOT_FOUND, self.act, st, t.id, pb.APPROVE, "同意")
        self.refused(SC.NOT_FOUND, self.appr.GetApproval,
                     pb.GetApprovalRequest(application_id=a.id), metadata=st, timeout=10)
        _, other = self.student()
        self.refused(SC.NOT_FOUND, self.appr.GetProgress,
                     pb.GetProgressRequest(application_id=a.id), metadata=other, timeout=10)
        self.refused(SC.NOT_FOUND, self.act, self.cou, "999999999", pb.APPROVE, "同意")
        # The department's admin reads it; the admin of another department does not.
        self.appr.GetApproval(pb.GetApprovalRequest(application_id=a.id), metadata=c.d_md,
                              timeout=10)
        self.refused(SC.NOT_FOUND, self.appr.GetApproval,
                     pb.GetApprovalRequest(application_id=a.id), metadata=c.e_md, timeout=10)
        # Named as the approver of his own application, he is left out: the step goes to D's
        # admins (the definition's when_empty).
        own = self.service([self.step("self", "本人不能审批", sources=[
            pb.ApproverSource(kind=pb.PERSON, campus_id=st_id)])])
        mine = self.submit(own, st)
        self.assertEqual([u for u in self.todo(st).tasks if u.application_id == mine.id], [])
        self.assertEqual(self.task_of(c.d_md, mine.id).step_key, "self")

    def test_approvers_open_the_application_files(self):
        c, pb = self.c, self.pb
        code = self.service(self.leave_steps())
        _, st = self.student()
        pdf = b"%PDF-1.4\n% leave proof\n"
        up = lambda: self.forms.UploadAttachment(self.fpb.UploadAttachmentRequest(
            service_code=code, name="证明.pdf", content_type="application/pdf", data=pdf),
            metadata=st, timeout=10)
        att, other = up(), up()
        a = self.submit(code, st, proof=[att.id])
        get = lambda md, fid: self.appr.GetApprovalAttachment(pb.GetApprovalAttachmentRequest(
            application_id=a.id, attachment_id=fid), metadata=md, timeout=10)
        self.assertEqual(get(self.cou, att.id).data, pdf)
        # A file of his the application does not name, and anyone not reading it: not found.
        self.refused(SC.NOT_FOUND, get, self.cou, other.id)
        _, stranger = self.staff("旁人")
        self.refused(SC.NOT_FOUND, get, stranger, att.id)
        gw = harness.env("EHALL_TEST_GATEWAY_URL")
        status, hdr, body = harness.http("GET", f"{gw}/api/v1/approvals/{a.id}/attachments/{att.id}",
                                         headers={"authorization": self.cou[0][1]})
        self.assertEqual((status, body, hdr["content-type"]), (200, pdf, "application/pdf"))

    # --- applicant ------------------------------------------------------------------------------

    def test_remind_once_a_day_and_withdraw(self):
        c, pb = self.c, self.pb
        code = self.service(self.leave_steps())
        _, st = self.student()
        a = self.submit(code, st)
        prog = self.appr.GetProgress(pb.GetProgressRequest(application_id=a.id), metadata=st,
                                     timeout=10)
        self.assertTrue(prog.can_remind)
        self.assertEqual(self.appr.Remind(pb.RemindRequest(application_id=a.id), metadata=st,
                                          timeout=10).reminded, 1)
        self.refused(SC.RESOURCE_EXHAUSTED, self.appr.Remind,
                     pb.RemindRequest(application_id=a.id), metadata=st, timeout=10)
        self.assertIn("approvals.remind", self.outbox(a.id))
        self.forms.WithdrawApplication(self.fpb.WithdrawApplicationRequest(id=a.id, reason="不请了"),
                                       metadata=st, timeout=10)
        t = [u for u in self.todo(self.cou).tasks if u.application_id == a.id]
        self.assertEqual(t, [])
        self.assertIn("approvals.application.withdrawn", self.outbox(a.id))

    def test_held_seat_released_on_rejection_booked_on_approval(self):
        c, pb = self.c, self.pb
        code = self.service(self.leave_steps(), mode=c.pb.HANDLING_MODE_BOTH)
        s = c.slot(code, capacity=2)
        _, st = self.student()
        a = self.submit(code, st, slot_id=s.id)
        state = lambda app_id: psql(c.dsn, "SELECT b.state FROM bookings b JOIN applications p"
                                           " ON p.booking_id = b.id WHERE p.id = :'v1'", app_id)
        self.assertEqual(state(a.id), [["1"]])  # held while in review
        self.act(self.cou, self.task_of(self.cou, a.id).id, pb.REJECT, "不符合条件")
        self.assertEqual(state(a.id), [["5"]])  # released
        self.assertEqual(c.slot_row(s.id)[1:], ["0", "0"])
        _, st2 = self.student()
        b = self.submit(code, st2, slot_id=s.id)
        self.act(self.cou, self.task_of(self.cou, b.id).id, pb.APPROVE, "同意")
        self.assertEqual(state(b.id), [["2"]])  # booked

    # --- SLA ------------------------------------------------------------------------------------

    def test_timers_act_at_due(self):
        c, pb = self.c, self.pb
        code = self.service([self.step("quick", "限时审批", [self.g_cou], due_working_days=1,
                                       remind_hours_before=2, on_due=pb.AUTO_APPROVE_AT_DUE)])
        _, st = self.student()
        a = self.submit(code, st)
        t = self.task_of(self.cou, a.id)
        self.assertTrue(t.HasField("due_at"))
        self.assertEqual(list(self.todo(self.cou, overdue_only=True, service_code=code).tasks), [])
        timers = psql(c.dsn, "SELECT m.kind FROM approval_timers m JOIN approval_steps s ON"
                             " s.id = m.step_id WHERE s.application_id = :'v1' ORDER BY m.kind",
                      a.id)
        self.assertEqual(timers, [["1"], ["2"]])
        # Due now (as if the days had passed): the worker claims it and approves.
        psql(c.dsn, "UPDATE approval_timers SET fire_at = now() - interval '1 second'"
                    " WHERE step_id IN (SELECT id FROM approval_steps WHERE application_id"
                    " = :'v1')", a.id)
        done = harness.wait_for(lambda: self.app(st, a.id).state
                                == self.fpb.APPLICATION_STATE_APPROVED, timeout=30)
        self.assertTrue(done)
        topics = self.outbox(a.id)
        self.assertIn("approvals.sla.remind", topics)
        self.assertIn("approvals.sla.overdue", topics)

    # --- HTTP -----------------------------------------------------------------------------------

    def http(self, method, path, md, body=None):
        gw = harness.env("EHALL_TEST_GATEWAY_URL")
        hdr = {"authorization": md[0][1], "content-type": "application/json"}
        st, _, raw = harness.http(method, gw + path, json.dumps(body) if body is not None
                                  else None, headers=hdr)
        return st, json.loads(raw or b"{}")

    def test_http_lists_and_errors(self):
        code = self.service(self.leave_steps())
        _, st = self.student()
        a = self.submit(code, st)
        status, body = self.http("GET", "/api/v1/me/tasks?serviceCode=" + code, self.cou)
        self.assertEqual(status, 200, body)
        self.assertEqual([t["applicationId"] for t in body["tasks"]], [a.id])
        self.assertGreaterEqual(body["todoCount"], 1)
        tid = body["tasks"][0]["id"]
        status, body = self.http("POST", f"/api/v1/tasks/{tid}:act", self.cou,
                                 {"action": "REJECT", "opinion": ""})
        self.assertEqual(status, 400, body)
        self.assertIn("opinion", json.dumps(body))
        status, body = self.http("POST", "/api/v1/tasks:bulkApprove", self.cou,
                                 {"taskIds": [tid, "123456789"], "opinion": "同意"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["approved"], 1)
        self.assertEqual([r.get("ok", False) for r in body["results"]], [True, False])
        status, body = self.http("GET", f"/api/v1/me/applications/{a.id}/progress", st)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["state"], self.fpb.APPLICATION_STATE_APPROVED)


if __name__ == "__main__":
    unittest.main()
