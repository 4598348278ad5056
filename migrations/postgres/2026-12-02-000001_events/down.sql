DROP TABLE event_organizations;
DROP TABLE events;
