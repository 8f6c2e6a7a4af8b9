-- processes.sql — demo approval processes, run by `./dev up` after the demo forms on every start
-- (idempotent: a service that has a process keeps it). What the departments would publish on
-- their process pages: leave (the counselor; the college leader too beyond 3 days), the
-- enrolment certificate (the teaching secretary, the counselor in copy), the scholarship (the
-- counselor, then the college leader and the Youth League secretary in parallel, the leader's
-- opinion not shown to the applicant) and venue booking (the Youth League Committee reviews the
-- request and its held time slot).
BEGIN;

-- Venue booking (HANDLING_MODE_BOTH in catalog.json): its application form.
INSERT INTO form_versions (service_id, version, form)
SELECT s.id, 1, '{"title": "场馆使用申请", "fields": [{"key": "name", "label": "申请人", "labelEn": "Applicant", "type": "FIELD_TYPE_TEXT", "prefill": "PREFILL_SOURCE_NAME", "locked": true}, {"key": "phone", "label": "联系电话", "labelEn": "Phone", "type": "FIELD_TYPE_PHONE", "required": true, "prefill": "PREFILL_SOURCE_PHONE"}, {"key": "organisation", "label": "使用单位（社团/班级）", "labelEn": "Club or class", "type": "FIELD_TYPE_TEXT", "required": true, "maxLength": 64}, {"key": "activity", "label": "活动内容", "labelEn": "Activity", "type": "FIELD_TYPE_LONG_TEXT", "required": true, "maxLength": 500}, {"key": "attendees", "label": "参加人数", "labelEn": "Attendees", "type": "FIELD_TYPE_NUMBER", "required": true, "hasMin": true, "min": 1, "hasMax": true, "max": 500}]}'::jsonb
FROM services s WHERE s.code = 'venue-booking'
  AND NOT EXISTS (SELECT 1 FROM form_versions f WHERE f.service_id = s.id);

INSERT INTO process_versions (service_id, version, definition, published_at)
SELECT s.id, 1, p.definition::jsonb, now()
FROM (VALUES
  ('student-leave', '{"steps": [
    {"key": "counselor", "name": "辅导员审批", "nameEn": "Counselor", "kind": "APPROVAL", "mode": "SINGLE",
     "approvers": [{"kind": "APPLICANT_GROUP", "groupCode": "counselor"}],
     "whenEmpty": "DEPARTMENT_ADMIN", "dueWorkingDays": 1, "remindHoursBefore": 4, "onDue": "ESCALATE"},
    {"key": "college_leader", "name": "学院领导审批", "nameEn": "College leader", "kind": "APPROVAL", "mode": "ANY_OF",
     "approvers": [{"kind": "APPLICANT_GROUP", "groupCode": "dept_leader"}],
     "condition": {"field": "days", "op": "gt", "value": "3"},
     "whenEmpty": "DEPARTMENT_ADMIN", "dueWorkingDays": 2, "onDue": "NOTHING"}]}'),
  ('enrolment-certificate', '{"steps": [
    {"key": "secretary", "name": "教学秘书审核", "nameEn": "Teaching secretary", "kind": "APPROVAL", "mode": "ANY_OF",
     "approvers": [{"kind": "APPLICANT_GROUP", "groupCode": "teaching_secretary"}],
     "whenEmpty": "DEPARTMENT_ADMIN", "dueWorkingDays": 2, "remindHoursBefore": 8, "onDue": "ESCALATE"},
    {"key": "notify_counselor", "name": "抄送辅导员", "nameEn": "Copy to the counselor", "kind": "CC",
     "approvers": [{"kind": "APPLICANT_GROUP", "groupCode": "counselor"}], "whenEmpty": "SKIP"}]}'),
  ('scholarship', '{"steps": [
    {"key": "counselor", "name": "辅导员初审", "nameEn": "Counselor", "kind": "APPROVAL", "mode": "SINGLE",
     "approvers": [{"kind": "APPLICANT_GROUP", "groupCode": "counselor"}],
     "whenEmpty": "DEPARTMENT_ADMIN", "dueWorkingDays": 3, "onDue": "NOTHING"},
    {"key": "review", "name": "学院评审", "nameEn": "College review", "kind": "PARALLEL", "branches": [
      {"name": "学院领导", "steps": [{"key": "college_leader", "name": "学院领导审批", "nameEn": "College leader",
        "kind": "APPROVAL", "mode": "ANY_OF", "approvers": [{"kind": "APPLICANT_GROUP", "groupCode": "dept_leader"}],
        "whenEmpty": "DEPARTMENT_ADMIN", "hideOpinions": true}]},
      {"name": "团委", "steps": [{"key": "league", "name": "团委书记审核", "nameEn": "Youth League secretary",
        "kind": "APPROVAL", "mode": "ANY_OF", "approvers": [{"kind": "APPLICANT_GROUP", "groupCode": "youth_league_secretary"}],
        "whenEmpty": "SKIP"}]}]}]}'),
  ('venue-booking', '{"steps": [
    {"key": "venue_review", "name": "场馆预约审核", "nameEn": "Venue review", "kind": "APPROVAL", "mode": "ANY_OF",
     "approvers": [{"kind": "PERSON", "campusId": "20040111"}],
     "whenEmpty": "DEPARTMENT_ADMIN", "dueWorkingDays": 1, "onDue": "ESCALATE"}]}')
) AS p (code, definition)
JOIN services s ON s.code = p.code
WHERE NOT EXISTS (SELECT 1 FROM process_versions v WHERE v.service_id = s.id);

INSERT INTO process_current (service_id, version)
SELECT v.service_id, 1 FROM process_versions v
WHERE v.version = 1 AND v.published_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM process_current c WHERE c.service_id = v.service_id)
  AND NOT EXISTS (SELECT 1 FROM process_versions w WHERE w.service_id = v.service_id AND w.version > 1);

COMMIT;
