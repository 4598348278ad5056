//! The deployment files, checked by reading them: no Docker engine runs on these machines.

use serde_json::Value;

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{}/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The Compose specification's schema, committed under tests/data (Apache-2.0,
/// compose-spec project).
fn compose_schema() -> Value {
    let text = read("tests/data/compose-spec.json");
    let mut schema: Value = serde_json::from_str(&text).unwrap();
    // It names draft 7 as `https://…/draft-07/schema`, without the `#` of the canonical
    // id that validators carry built in; point it at that one instead of the network.
    schema["$schema"] = "http://json-schema.org/draft-07/schema#".into();
    schema
}

fn compose() -> Value {
    serde_yaml::from_str(&read("docker-compose.yml")).unwrap()
}

#[test]
fn compose_file_follows_the_compose_specification() {
    let validator = jsonschema::draft7::new(&compose_schema()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&compose())
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The schema itself catches mistakes: an unknown key is refused.
    let mut broken = compose();
    broken["services"]["hamkari"]["depends_onn"] = serde_json::json!(["postgres"]);
    assert!(!validator.is_valid(&broken));
}

#[test]
fn compose_waits_for_a_healthy_database_and_takes_secrets_from_the_environment() {
    let compose = compose();
    let postgres = &compose["services"]["postgres"];
    assert!(postgres["healthcheck"]["test"].to_string().contains("pg_isready"));
    assert!(postgres["volumes"][0]
        .as_str()
        .unwrap()
        .ends_with(":/var/lib/postgresql/data"));
    assert!(compose["volumes"].get("pgdata").is_some());

    let hamkari = &compose["services"]["hamkari"];
    assert_eq!(hamkari["depends_on"]["postgres"]["condition"], "service_healthy");
    let env = &hamkari["environment"];
    assert!(env["HAMKARI_DATABASE_URL"].as_str().unwrap().starts_with("postgres://"));
    for secret in ["HAMKARI_JWT_SECRET", "HAMKARI_TOKEN_KEY", "HAMKARI_ADMIN_PASSWORD"] {
        let value = env[secret].as_str().unwrap();
        assert!(
            value.starts_with("${") && value.contains(":?"),
            "{secret} must be required from the environment: {value}"
        );
    }
    let password = postgres["environment"]["POSTGRES_PASSWORD"].as_str().unwrap();
    assert!(password.starts_with("${") && password.contains(":?"), "{password}");
}

#[test]
fn dockerfile_builds_in_stages_and_runs_as_non_root() {
    let dockerfile = read("Dockerfile");
    let from: Vec<&str> = dockerfile.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert!(from.len() >= 2, "multi-stage: {from:?}");
    assert!(from.last().unwrap().contains("distroless"), "{from:?}");
    let user = dockerfile.lines().rfind(|l| l.starts_with("USER ")).unwrap();
    assert!(!user.contains("root") && !user.trim_end().ends_with(" 0"), "{user}");
    for secret in ["HAMKARI_JWT_SECRET", "HAMKARI_TOKEN_KEY", "HAMKARI_ADMIN_PASSWORD"] {
        assert!(
            !dockerfile
                .lines()
                .any(|l| !l.trim_start().starts_with('#') && l.contains(secret)),
            "{secret} must not be baked into the image"
        );
    }
    assert!(dockerfile.contains("--locked"));
}

/// The dependency-caching stage copies each workspace crate's manifest and gives it a
/// placeholder source; a crate missing there fails `docker build` with "failed to load
/// manifest", which no engine on these machines would show.
#[test]
fn dockerfile_knows_every_workspace_crate() {
    let dockerfile = read("Dockerfile");
    for member in workspace_members(&read("Cargo.toml")) {
        assert!(
            dockerfile.contains(&format!("COPY {member}/Cargo.toml {member}/")),
            "the Dockerfile does not copy {member}/Cargo.toml"
        );
        if member.starts_with("crates/") {
            let placeholders = dockerfile.lines().find(|l| l.contains("touch $c/src/lib.rs")).unwrap();
            assert!(placeholders.contains(&member), "no placeholder source for {member}");
        }
    }
}

/// Just enough of the workspace manifest: its `members = [...]` line.
fn workspace_members(manifest: &str) -> Vec<String> {
    let line = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("members"))
        .expect("a members line");
    let list = line.split_once('[').unwrap().1.split_once(']').unwrap().0;
    list.split(',')
        .map(|m| m.trim().trim_matches('"').to_owned())
        .filter(|m| !m.is_empty())
        .collect()
}
