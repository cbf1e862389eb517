//! Approval, rewards and undo on ten screens, against the real server and
//! relay: each new event — `chore:completed` pending, `chore:approved`,
//! `chore:rejected`, `chore:undone`, `reward:added`, `reward:updated`,
//! `reward:redeemed` (spent, and waiting for a parent), `reward:approved`,
//! `reward:rejected`, `reward:undone`, `reward:removed`, and
//! `stars:updated` after an undo —
//! reaches every device, and each device's state converges to the
//! server's own snapshot (read by the test, not through the client).

use std::time::Duration;

use kinboard_core::ApiClient;
use kinboard_core::kinboard_api::{
    ChoreApproval, CompletionStatus, ErrorCode, RewardRequest, UpdateFamilyRequest,
    UpdateRewardRequest,
};
use kinboard_system_tests::{Device, DeviceBuilder, Household, PIN, TestServer};

const CONVERGE: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn approvals_rewards_and_undos_reach_ten_screens_as_the_database_has_them() {
    let server = TestServer::start().await;
    let home = Household::create(&server, "Parkers").await;
    let api = ApiClient::new(&server.url()).unwrap();
    api.set_token(Some(home.token.clone()));
    let kiosk_token = api.create_kiosk(&home.family_id, "Kitchen").await.unwrap();
    let mut devices: Vec<Device> = Vec::new();
    devices.push(
        DeviceBuilder::new(&server, &home)
            .kiosk(kiosk_token)
            .connect()
            .await,
    );
    for _ in 0..9 {
        devices.push(DeviceBuilder::new(&server, &home).connect().await);
    }
    let all: Vec<&Device> = devices.iter().collect();
    server.converged(&home, &all, CONVERGE).await;
    let kitchen = &devices[0].dashboard;
    let parent = &devices[1].dashboard;
    let (ada, ben) = (&home.members[0], &home.members[1]);

    // Parents approve the kitchen screen's chores from now on.
    parent
        .update_family(&UpdateFamilyRequest {
            chore_approval: Some(ChoreApproval::Parent),
            ..Default::default()
        })
        .await
        .unwrap();
    server.converged(&home, &all, CONVERGE).await;
    for d in &all {
        let family = d.view().family.clone().unwrap();
        assert_eq!(family.chore_approval, ChoreApproval::Parent);
    }

    // Pending on every screen, then approved: stars on every screen.
    kitchen.complete_chore(&home.chores[0], ada).await.unwrap();
    server.converged(&home, &all, CONVERGE).await;
    for d in &all {
        let view = d.view();
        assert_eq!(view.pending.len(), 1, "waiting for a parent everywhere");
        assert_eq!(view.chores[0].done[0].status, CompletionStatus::Pending);
    }
    // Each parent's device is told once; the kitchen screen is not.
    kinboard_testkit::eventually(
        "an approval notice on each parent's device",
        CONVERGE,
        || async {
            devices[1..]
                .iter()
                .all(|d| d.notifier.approvals().len() == 1)
                .then_some(())
        },
    )
    .await;
    assert!(devices[0].notifier.approvals().is_empty());
    let waiting = devices[5].view().pending[0].completion_id.clone();
    assert_eq!(devices[5].notifier.approvals()[0].completion_id, waiting);
    devices[5]
        .dashboard
        .decide_completion(&waiting, true)
        .await
        .unwrap();
    server.converged(&home, &all, CONVERGE).await;
    for d in &all {
        let view = d.view();
        assert!(view.pending.is_empty());
        assert_eq!(view.member(ada).unwrap().balance, 1, "the chore's star");
    }
    // Another one rejected: nothing awarded, not done.
    kitchen.complete_chore(&home.chores[1], ben).await.unwrap();
    server.converged(&home, &all, CONVERGE).await;
    let waiting = devices[9].view().pending[0].completion_id.clone();
    devices[9]
        .dashboard
        .decide_completion(&waiting, false)
        .await
        .unwrap();
    server.converged(&home, &all, CONVERGE).await;
    assert!(devices[0].view().chores[1].done.is_empty());

    // The catalogue: added and changed on one screen, seen on all.
    parent
        .add_stars(ada, 9, "for a good week", None)
        .await
        .unwrap();
    let ice = parent
        .add_reward(&RewardRequest {
            title: "Ice cream".into(),
            cost: 4,
            weekly_limit: Some(2),
        })
        .await
        .unwrap();
    parent
        .update_reward(
            &ice,
            &UpdateRewardRequest {
                cost: Some(5),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    server.converged(&home, &all, CONVERGE).await;
    assert_eq!(devices[3].view().rewards[0].cost, 5);

    // Redeemed on the kitchen screen with the PIN, then undone there.
    let entry = kitchen
        .redeem_reward(&ice, ada, Some(PIN))
        .await
        .unwrap()
        .expect("spent at once with the PIN");
    server.converged(&home, &all, CONVERGE).await;
    for d in &all {
        let view = d.view();
        assert_eq!(view.member(ada).unwrap().balance, 5);
        assert_eq!(view.redemptions.len(), 1);
        assert_eq!(view.rewards[0].redeemed_by, std::slice::from_ref(ada));
        assert_eq!(
            view.member(ada).unwrap().weekly_stars,
            10,
            "spending is not earning"
        );
    }
    kitchen.undo_star_entry(&entry).await.unwrap();
    server.converged(&home, &all, CONVERGE).await;
    for d in &all {
        let view = d.view();
        assert_eq!(view.member(ada).unwrap().balance, 10);
        assert!(view.redemptions.is_empty());
    }

    // Asked without the PIN, where parents approve: it waits on every
    // screen, nothing spent, until a parent approves it.
    let waiting = kitchen.redeem_reward(&ice, ada, None).await.unwrap();
    assert_eq!(waiting, None, "nothing spent yet");
    server.converged(&home, &all, CONVERGE).await;
    for d in &all {
        let view = d.view();
        assert_eq!(view.member(ada).unwrap().balance, 10);
        assert_eq!(view.redemptions[0].status, CompletionStatus::Pending);
    }
    let asked = devices[2].view().redemptions[0].id.clone();
    devices[2]
        .dashboard
        .decide_redemption(&asked, true)
        .await
        .unwrap();
    server.converged(&home, &all, CONVERGE).await;
    for d in &all {
        let view = d.view();
        assert_eq!(view.member(ada).unwrap().balance, 5);
        assert_eq!(view.redemptions[0].status, CompletionStatus::Approved);
    }
    // Asked again and turned down: gone from every screen, nothing spent.
    kitchen.redeem_reward(&ice, ada, None).await.unwrap();
    server.converged(&home, &all, CONVERGE).await;
    let asked = devices[6].view().redemptions[0].id.clone();
    devices[6]
        .dashboard
        .decide_redemption(&asked, false)
        .await
        .unwrap();
    server.converged(&home, &all, CONVERGE).await;
    for d in &all {
        let view = d.view();
        assert!(view.redemptions.iter().all(|r| r.id != asked));
        assert_eq!(view.member(ada).unwrap().balance, 5);
    }

    // A chore undone by a parent: chore:undone and the star back on all.
    let done = devices[4].view().chores[0].done[0].completion_id.clone();
    devices[4].dashboard.undo_completion(&done).await.unwrap();
    server.converged(&home, &all, CONVERGE).await;
    for d in &all {
        let view = d.view();
        assert!(view.chores[0].done.is_empty());
        assert_eq!(view.member(ada).unwrap().balance, 4);
    }

    // A parent's star change undone; the reward taken off the catalogue.
    // Ben has no stars to take: refused, nothing changes.
    let refused = parent.remove_stars(ben, 1, "oops", None).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InsufficientStars);
    parent.add_stars(ben, 3, "helped", None).await.unwrap();
    let history = parent.member_history(ben, 12).await.unwrap();
    let last = history.entries[0].id.clone();
    devices[7].dashboard.undo_star_entry(&last).await.unwrap();
    parent.remove_reward(&ice).await.unwrap();
    server.converged(&home, &all, CONVERGE).await;
    for d in &all {
        let view = d.view();
        assert_eq!(view.member(ben).unwrap().balance, 0);
        assert!(view.rewards.is_empty());
    }
}
