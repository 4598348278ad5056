//! Requests for a partner's capacity: the whole lifecycle with the wrong side refused at
//! each step (nothing stored), comments by both sides, the two lists, and one winner among
//! parallel answers.

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::capacities::{calibration, case, created, id, Case};
use crate::helpers::assert_problem;

struct Sides {
    /// Editors of A (offering) and B (requesting), and of C (neither).
    a: String,
    b: String,
    c: String,
}

async fn sides(case: &Case) -> Sides {
    Sides {
        a: case.app.login_as("editor", &[id(&case.a)]).await,
        b: case.app.login_as("editor", &[id(&case.b)]).await,
        c: case.app.login_as("editor", &[id(&case.c)]).await,
    }
}

fn ask(capacity: &Value, organization: &Value) -> Value {
    json!({"capacity_id": capacity["id"], "organization_id": organization["id"],
           "purpose": "کالیبراسیون ترازوهای بازرسان پیش از ممیزی",
           "from": "2027-01-10", "until": "2027-01-20", "quantity": "۳ ترازو"})
}

async fn step(case: &Case, token: &str, path: &str, to: &str) -> reqwest::Response {
    case.app
        .with_token(token)
        .post_json(&format!("{path}/transitions"), &json!({"to": to}))
        .await
}

#[tokio::test]
async fn a_request_is_accepted_and_fulfilled_by_the_offering_side_only() {
    let case = case().await;
    let app = &case.app;
    let who = sides(&case).await;
    let capacity = created(
        app.with_token(&who.a)
            .post_json("/api/v1/capacities", &calibration(&case))
            .await,
    )
    .await;

    // Refusals that store nothing.
    let problem = assert_problem(
        app.with_token(&who.a)
            .post_json("/api/v1/capacity-requests", &ask(&capacity, &case.a))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "own_capacity");
    assert_problem(
        app.with_token(&who.a)
            .post_json("/api/v1/capacity-requests", &ask(&capacity, &case.b))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let problem = assert_problem(
        app.with_token(&who.c)
            .post_json("/api/v1/capacity-requests", &ask(&capacity, &case.c))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        problem["errors"][0]["field"], "capacity_id",
        "C cannot see it: {problem}"
    );
    let mut reversed = ask(&capacity, &case.b);
    reversed["until"] = json!("2027-01-01");
    let problem = assert_problem(
        app.with_token(&who.b)
            .post_json("/api/v1/capacity-requests", &reversed)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "before_start");
    let capacity_path = format!("/api/v1/capacities/{}", id(&capacity));
    let response = app
        .with_token(&who.a)
        .patch_json(&capacity_path, &json!({"availability": "unavailable"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_problem(
        app.with_token(&who.b)
            .post_json("/api/v1/capacity-requests", &ask(&capacity, &case.b))
            .await,
        StatusCode::CONFLICT,
        "capacity_unavailable",
    )
    .await;
    let none = app.get_json("/api/v1/capacity-requests", StatusCode::OK).await;
    assert!(none["items"].as_array().unwrap().is_empty());
    app.with_token(&who.a)
        .patch_json(&capacity_path, &json!({"availability": "limited"}))
        .await;

    let request = created(
        app.with_token(&who.b)
            .post_json("/api/v1/capacity-requests", &ask(&capacity, &case.b))
            .await,
    )
    .await;
    assert_eq!(request["status"], "requested");
    assert_eq!(request["offered_by"], case.a["id"]);
    assert_eq!(request["agreement_id"], case.agreement["id"]);
    assert_eq!(
        request["allowed_transitions"],
        json!(["accepted", "declined", "cancelled"])
    );
    let path = format!("/api/v1/capacity-requests/{}", id(&request));

    // Only A accepts: B (the requester) is refused, C does not see it; nothing changes.
    assert_problem(
        step(&case, &who.b, &path, "accepted").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        step(&case, &who.c, &path, "accepted").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Only B cancels.
    assert_problem(
        step(&case, &who.a, &path, "cancelled").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let unchanged = app.get_json(&path, StatusCode::OK).await;
    assert_eq!(
        (unchanged["status"].as_str(), unchanged["version"].as_i64()),
        (Some("requested"), Some(1))
    );
    assert_problem(
        step(&case, &who.a, &path, "fulfilled").await,
        StatusCode::CONFLICT,
        "illegal_transition",
    )
    .await;

    let response = step(&case, &who.a, &path, "accepted").await;
    assert_eq!(response.status(), StatusCode::OK);
    let accepted: Value = response.json().await.unwrap();
    assert_eq!(accepted["status"], "accepted");
    // Only A fulfils.
    assert_problem(
        step(&case, &who.b, &path, "fulfilled").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let response = step(&case, &who.a, &path, "fulfilled").await;
    assert_eq!(response.status(), StatusCode::OK);
    let done: Value = response.json().await.unwrap();
    assert_eq!(
        (done["status"].as_str(), done["version"].as_i64()),
        (Some("fulfilled"), Some(3))
    );
    assert_eq!(done["allowed_transitions"], json!([]));
    let steps: Vec<(Value, &str, &str)> = done["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["from"].clone(),
                s["to"].as_str().unwrap(),
                s["organization_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (Value::Null, "requested", id(&case.b)),
            (json!("requested"), "accepted", id(&case.a)),
            (json!("accepted"), "fulfilled", id(&case.a)),
        ]
    );
    assert!(done["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["by"]["type"] == "user"));
    assert_problem(
        step(&case, &who.b, &path, "cancelled").await,
        StatusCode::CONFLICT,
        "illegal_transition",
    )
    .await;

    // A capacity that was requested is not deleted.
    assert_problem(
        app.with_token(&who.a).delete(&capacity_path).await,
        StatusCode::CONFLICT,
        "has_requests",
    )
    .await;
    let audit = app
        .get_json(
            &format!("/api/v1/audit-events?resource_id={}", id(&request)),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        audit["items"].as_array().unwrap().len(),
        3,
        "created and two transitions"
    );
}

#[tokio::test]
async fn either_side_comments_and_each_lists_what_it_asked_and_was_asked() {
    let case = case().await;
    let app = &case.app;
    let who = sides(&case).await;
    let offered_by_a = created(app.post_json("/api/v1/capacities", &calibration(&case)).await).await;
    let mut training = calibration(&case);
    training["organization_id"] = case.b["id"].clone();
    training["kind"] = json!("training");
    training["title"] = json!("دورهٔ آموزش ممیزی داخلی");
    let offered_by_b = created(app.post_json("/api/v1/capacities", &training).await).await;
    let b_asks = created(
        app.with_token(&who.b)
            .post_json("/api/v1/capacity-requests", &ask(&offered_by_a, &case.b))
            .await,
    )
    .await;
    let a_asks = created(
        app.with_token(&who.a)
            .post_json("/api/v1/capacity-requests", &ask(&offered_by_b, &case.a))
            .await,
    )
    .await;

    let listed = |q: String, token: String| {
        let app = &case.app;
        async move {
            let page: Value = app
                .with_token(&token)
                .get(&format!("/api/v1/capacity-requests?{q}"))
                .await
                .json()
                .await
                .unwrap();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        listed(format!("offered_by={}", id(&case.a)), who.a.clone()).await,
        [id(&b_asks)]
    );
    assert_eq!(
        listed(format!("requested_by={}", id(&case.a)), who.a.clone()).await,
        [id(&a_asks)]
    );
    assert_eq!(listed(String::new(), who.b.clone()).await.len(), 2);
    assert!(listed(String::new(), who.c.clone()).await.is_empty());
    assert_eq!(listed("status=requested".into(), who.a.clone()).await.len(), 2);

    let comments = format!("/api/v1/capacity-requests/{}/comments", id(&b_asks));
    for (token, text) in [(&who.b, "ترازوها آماده‌اند؟"), (&who.a, "بله، هفتهٔ آینده.")]
    {
        created(app.with_token(token).post_json(&comments, &json!({"body": text})).await).await;
    }
    assert_problem(
        app.with_token(&who.c)
            .post_json(&comments, &json!({"body": "من هم"}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let page = app.get_json(&format!("{comments}?limit=1"), StatusCode::OK).await;
    assert_eq!(page["items"][0]["organization_id"], case.b["id"]);
    let next = page["next_cursor"].as_str().unwrap();
    let page = app
        .get_json(&format!("{comments}?limit=1&cursor={next}"), StatusCode::OK)
        .await;
    assert_eq!(page["items"][0]["organization_id"], case.a["id"]);
    assert_eq!(page["items"][0]["body"], "بله، هفتهٔ آینده.");
    let events = app
        .get_json("/api/v1/events?types=capacity_request.commented", StatusCode::OK)
        .await;
    assert_eq!(events["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn of_many_parallel_answers_exactly_one_wins() {
    let case = case().await;
    let who = sides(&case).await;
    let capacity = created(case.app.post_json("/api/v1/capacities", &calibration(&case)).await).await;
    let request = created(
        case.app
            .with_token(&who.b)
            .post_json("/api/v1/capacity-requests", &ask(&capacity, &case.b))
            .await,
    )
    .await;
    let path = Arc::new(format!("/api/v1/capacity-requests/{}/transitions", id(&request)));
    let case = Arc::new(case);
    let token = Arc::new(who.a);
    let mut answers = Vec::new();
    for n in 0..16 {
        let (case, token, path) = (case.clone(), token.clone(), path.clone());
        answers.push(tokio::spawn(async move {
            let to = if n % 2 == 0 { "accepted" } else { "declined" };
            let response = case
                .app
                .with_token(&token)
                .request(Method::POST, &path)
                .json(&json!({"to": to}))
                .send()
                .await
                .unwrap();
            response.status()
        }));
    }
    let mut won = 0;
    let mut refused = 0;
    for answer in answers {
        match answer.await.unwrap() {
            StatusCode::OK => won += 1,
            StatusCode::CONFLICT => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((won, refused), (1, 15));
    let read = case
        .app
        .get_json(&format!("/api/v1/capacity-requests/{}", id(&request)), StatusCode::OK)
        .await;
    assert_eq!(read["version"], 2);
    assert_eq!(read["steps"].as_array().unwrap().len(), 2);
}
