//! Take-next raced by 50 concurrent clients over 20 tasks: each task is taken once, nobody gets
//! two, nothing is lost; two people completing one task: one wins, the other gets 409.

use crate::common::Service;
use serde_json::json;
use std::collections::BTreeSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_clients_racing_for_twenty_tasks_take_each_once() {
    let service = Service::start_on(&crate::common::Backend::Sqlite, false).await;
    let starter = service.user("starter", &["operator"], None, &[]).await;
    for n in 0..20 {
        let body = json!({"flow": "service_order", "business_key": format!("RACE-{n}"),
            "data": {"customer_name": "競合太郎", "building_type": "apartment"}});
        let (status, _) = service.call("POST", "/api/v1/orders", Some(&starter), Some(body)).await;
        assert_eq!(status, 201);
    }
    let mut tokens = Vec::new();
    for n in 0..50 {
        tokens.push(service.user(&format!("racer-{n}"), &["operator"], None, &[]).await);
    }
    let calls = tokens.iter().map(|t| service.call("POST", "/api/v1/tasks/next", Some(t), None));
    let answers = futures_util::future::join_all(calls).await;
    let mut taken = BTreeSet::new();
    let mut holders = BTreeSet::new();
    for (status, task) in &answers {
        match status {
            200 => {
                let key =
                    (task["order"].as_str().expect("order").to_string(), task["instance"].as_u64().expect("instance"));
                assert!(taken.insert(key), "a task was taken twice: {task}");
                assert!(holders.insert(task["assignee"].as_str().expect("assignee").to_string()), "someone got two");
            }
            204 => {}
            other => panic!("take-next answered {other}: {task}"),
        }
    }
    assert_eq!(taken.len(), 20, "every task was taken: {answers:?}");
    for (n, token) in tokens.iter().enumerate() {
        let (_, mine) = service.call("GET", "/api/v1/tasks/mine", Some(token), None).await;
        let held = mine.as_array().map_or(0, Vec::len);
        assert!(held <= 1, "racer-{n} holds {held} tasks");
    }
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_people_completing_one_task_one_wins_and_the_other_gets_409() {
    let service = Service::start_on(&crate::common::Backend::Sqlite, false).await;
    let a = service.user("op-1", &["operator"], None, &[]).await;
    let b = service.user("op-2", &["operator"], None, &[]).await;
    for n in 0..10 {
        let body = json!({"flow": "service_order", "business_key": format!("TWICE-{n}"),
            "data": {"customer_name": "二重太郎", "building_type": "apartment"}});
        let (status, order) = service.call("POST", "/api/v1/orders", Some(&a), Some(body)).await;
        assert_eq!(status, 201);
        let id = order["id"].as_str().expect("id");
        let (_, queue) =
            service.call("GET", &format!("/api/v1/tasks/queue?business_key=TWICE-{n}"), Some(&a), None).await;
        let instance = queue[0]["instance"].as_u64().expect("the intake");
        let path = format!("/api/v1/orders/{id}/tasks/{instance}/complete");
        let (first, second) = tokio::join!(
            service.call("POST", &path, Some(&a), Some(json!({}))),
            service.call("POST", &path, Some(&b), Some(json!({})))
        );
        let mut statuses = [first.0, second.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [204, 409], "exactly one wins: {first:?} {second:?}");
    }
    service.stop().await;
}
