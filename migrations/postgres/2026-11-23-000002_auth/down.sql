DROP TABLE server_secrets;
DROP TABLE login_throttle;
DROP TABLE api_tokens;
DROP TABLE refresh_tokens;
DROP TABLE user_organizations;
DROP TABLE users;
