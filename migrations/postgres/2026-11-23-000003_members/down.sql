DROP TABLE memberships;
DROP TABLE members;
