DROP INDEX working_groups_agreement_idx;
DROP INDEX projects_agreement_idx;
ALTER TABLE working_groups DROP COLUMN agreement_id;
ALTER TABLE projects DROP COLUMN agreement_id;
ALTER TABLE working_groups DROP COLUMN proposed;
DROP TABLE status_changes;
DROP TABLE approvals;
DROP TABLE agreement_parties;
DROP TABLE agreements;
