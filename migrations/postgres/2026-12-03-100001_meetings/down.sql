DROP TABLE action_items;
DROP TABLE resolution_votes;
DROP TABLE resolutions;
DROP TABLE meeting_attendees;
DROP TABLE meeting_agenda_items;
DROP TABLE meeting_organizations;
DROP TABLE meetings;
