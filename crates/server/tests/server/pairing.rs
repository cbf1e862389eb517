//! Pairing a kitchen screen: a parent's one-time code is traded once for a
//! working kiosk token; a used, expired, unknown or other family's code
//! pairs nothing, and only a parent of the family can make one.

use reqwest::Method;
use serde_json::json;

use crate::support::both;

both! {
    async fn a_code_pairs_one_screen_once(s) {
        let f = s.family("Ana").await;
        let r = s.post(&format!("/api/families/{}/kiosk-pairings", f.id), &f.parent.token, json!({ "name": "Kitchen" })).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let code = r.body["pairing"]["code"].as_str().unwrap().to_owned();
        assert_eq!(code.len(), 11, "{code}");
        assert_eq!(&code[5..6], "-");
        assert_eq!(r.body["pairing"]["name"], "Kitchen");
        let expires = r.body["pairing"]["expiresAt"].as_i64().unwrap();
        let now = r.body["serverTime"].as_i64().unwrap();
        assert!((9 * 60_000..=10 * 60_000).contains(&(expires - now)), "{}", expires - now);
        let revision = s.get(&format!("/api/families/{}", f.id), &f.parent.token).await.ok()["family"]["revision"].as_i64().unwrap();
        assert_eq!(revision, s.revision(&f.id).await);
        let mut events = s.subscribe(&f.parent.token, &f.id).await;

        // Typed however the person types it: lower case, a space for the dash.
        let typed = code.to_lowercase().replace('-', " ");
        let r = s.call(Method::POST, "/api/kiosk-pairings/claim", None, Some(json!({ "code": typed }))).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let token = r.body["token"].as_str().unwrap().to_owned();
        assert_eq!(r.body["kiosk"]["name"], "Kitchen");
        assert_eq!(r.body["kiosk"]["familyId"], f.id.as_str());
        let me = s.get("/api/me", &token).await;
        assert_eq!(me.ok()["families"], json!([{ "id": f.id, "name": "Ana's family", "role": "kiosk" }]));
        let after = s.get(&format!("/api/families/{}", f.id), &f.parent.token).await.ok()["family"]["revision"].as_i64().unwrap();
        assert_eq!(after, revision + 1, "pairing a kiosk is a change of the family, making the code is not");
        // The reply lists what the family's screens hear.
        let (name, data) = events.next().await;
        assert_eq!(r.body["events"], json!([{ "event": name, "data": data }]));
        assert_eq!(name, "kiosk:added");
        let kiosks = s.get(&format!("/api/families/{}/kiosks", f.id), &f.parent.token).await;
        assert_eq!(kiosks.ok()["kiosks"].as_array().unwrap().len(), 1);

        // Once only.
        let again = s.call(Method::POST, "/api/kiosk-pairings/claim", None, Some(json!({ "code": code }))).await;
        again.err(404);
        let kiosks = s.get(&format!("/api/families/{}/kiosks", f.id), &f.parent.token).await;
        assert_eq!(kiosks.ok()["kiosks"].as_array().unwrap().len(), 1, "no second kiosk");
    }

    async fn used_expired_unknown_and_malformed_codes_pair_nothing(s) {
        let f = s.family("Ana").await;
        let make = || async {
            let r = s.post(&format!("/api/families/{}/kiosk-pairings", f.id), &f.parent.token, json!({ "name": "Hall" })).await;
            r.ok()["pairing"]["code"].as_str().unwrap().to_owned()
        };
        let code = make().await;
        sqlx::query("UPDATE kiosk_pairings SET expires_at = 0").execute(&s.pool).await.unwrap();
        let claim = |code: String| async move {
            s.call(Method::POST, "/api/kiosk-pairings/claim", None, Some(json!({ "code": code }))).await
        };
        let expired = claim(code).await;
        let unknown = claim("ABCDE-FGHJK".into()).await;
        // The same answer for each, so it tells a guesser nothing.
        assert_eq!(expired.err(404), unknown.err(404));
        claim(String::new()).await.err(422);
        claim("-".repeat(5)).await.err(422);
        claim("A".repeat(200)).await.err(422);
        let r = s.call(Method::POST, "/api/kiosk-pairings/claim", None, Some(json!({ "token": "x" }))).await;
        assert!(r.status == 400 || r.status == 422, "{} {}", r.status, r.body);
        let kiosks = s.get(&format!("/api/families/{}/kiosks", f.id), &f.parent.token).await;
        assert!(kiosks.ok()["kiosks"].as_array().unwrap().is_empty());
        // A fresh code still works after all that.
        let code = make().await;
        assert_eq!(claim(code).await.status, 201);
    }

    async fn only_a_parent_of_the_family_makes_codes(s) {
        let f = s.family("Ana").await;
        let other = s.family("Bob").await;
        let path = format!("/api/families/{}/kiosk-pairings", f.id);
        s.post(&path, &other.parent.token, json!({ "name": "Sneaky" })).await.err(404);
        s.call(Method::POST, &path, None, Some(json!({ "name": "Anyone" }))).await.err(401);
        let kiosk = s.post(&format!("/api/families/{}/kiosks", f.id), &f.parent.token, json!({ "name": "Kitchen" })).await;
        let kiosk = kiosk.ok()["token"].as_str().unwrap().to_owned();
        s.post(&path, &kiosk, json!({ "name": "Another" })).await.err(403);
        s.post(&path, &f.parent.token, json!({ "name": "" })).await.err(422);
        s.post(&path, &f.parent.token, json!({ "name": "x".repeat(61) })).await.err(422);
    }
}
