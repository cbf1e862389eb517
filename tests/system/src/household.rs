//! A family set up through the API as a parent would: an account, the
//! family, two children, two templates, two chores and a parent PIN.

use kinboard_core::ApiClient;

use crate::server::TestServer;

static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// The parent PIN every household gets.
pub const PIN: &str = "2468";
pub const PASSWORD: &str = "correct horse battery";

#[derive(Debug, Clone)]
pub struct Household {
    pub family_id: String,
    pub email: String,
    /// The parent's first session token.
    pub token: String,
    pub members: Vec<String>,
    /// A 1-hour and a 2-second template.
    pub templates: Vec<String>,
    pub chores: Vec<String>,
}

impl Household {
    pub async fn create(server: &TestServer, name: &str) -> Self {
        Self::create_at(&server.url(), name).await
    }

    /// The same, on the server (or balancer) at `url`.
    pub async fn create_at(url: &str, name: &str) -> Self {
        let api = ApiClient::new(url).expect("api");
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let email = format!(
            "parent{n}-{}@{}.example",
            std::process::id(),
            name.to_lowercase().replace(' ', "")
        );
        let session = api.sign_up(&email, PASSWORD, "Sam").await.expect("sign up");
        api.set_token(Some(session.token.clone()));
        let family = api
            .create_family(name, Some("Europe/London"))
            .await
            .expect("family");
        let mut members = Vec::new();
        for child in ["Ada", "Ben"] {
            members.push(api.add_member(&family.id, child).await.expect("member").id);
        }
        let templates = vec![
            api.create_template(&family.id, "Homework", 3600, 2)
                .await
                .expect("template")
                .id,
            api.create_template(&family.id, "Quick", 2, 1)
                .await
                .expect("template")
                .id,
        ];
        let chores = vec![
            api.create_chore(&family.id, "Feed the cat", 1, Some(&members[0]))
                .await
                .expect("chore")
                .id,
            api.create_chore(&family.id, "Water the plants", 0, Some(&members[1]))
                .await
                .expect("chore")
                .id,
        ];
        api.set_pin(&family.id, PIN).await.expect("pin");
        Self {
            family_id: family.id,
            email,
            token: session.token,
            members,
            templates,
            chores,
        }
    }
}
