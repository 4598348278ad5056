DROP TABLE capacity_request_comments;
DROP TABLE capacity_request_steps;
DROP TABLE capacity_requests;
DROP TABLE accreditation_expiry_notices;
DROP TABLE accreditations;
DROP TABLE capacity_recipients;
DROP TABLE capacities;
