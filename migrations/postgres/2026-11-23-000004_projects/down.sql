DROP TABLE working_group_members;
DROP TABLE working_group_organizations;
DROP TABLE working_groups;
DROP TABLE project_transitions;
DROP TABLE project_members;
DROP TABLE project_organizations;
DROP TABLE projects;
