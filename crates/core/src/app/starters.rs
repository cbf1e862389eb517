//! What a new household may start with: a handful of everyday chores and
//! timer templates, shown at the end of hosting for the parent to keep,
//! change or drop, so that the board is ready to use the moment it opens.

use serde::Serialize;
use utoipa::ToSchema;

/// A chore to offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StarterChore {
    pub title: String,
    pub stars: i64,
}

/// A timer template to offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StarterTemplate {
    pub label: String,
    pub duration_seconds: i64,
    pub stars: i64,
}

/// The chores and templates a new household is offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Starters {
    pub chores: Vec<StarterChore>,
    pub templates: Vec<StarterTemplate>,
}

/// What every family's week has in it, more or less.
pub fn starters() -> Starters {
    let chore = |title: &str, stars| StarterChore {
        title: title.to_owned(),
        stars,
    };
    let template = |label: &str, minutes: i64, stars| StarterTemplate {
        label: label.to_owned(),
        duration_seconds: minutes * 60,
        stars,
    };
    Starters {
        chores: vec![
            chore("Make the bed", 1),
            chore("Set the table", 1),
            chore("Feed the pet", 1),
            chore("Tidy the bedroom", 2),
            chore("Empty the dishwasher", 2),
        ],
        templates: vec![
            template("Homework", 30, 2),
            template("Reading", 20, 2),
            template("Instrument practice", 15, 2),
            template("Screen time", 30, 0),
            template("Tidy-up sprint", 10, 1),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starters_fit_what_the_server_accepts() {
        let s = starters();
        assert!(!s.chores.is_empty() && !s.templates.is_empty());
        for c in &s.chores {
            assert!(!c.title.is_empty() && c.title.chars().count() <= 80);
            assert!((0..=100).contains(&c.stars));
        }
        for t in &s.templates {
            assert!(!t.label.is_empty() && t.label.chars().count() <= 80);
            assert!((1..=24 * 3600).contains(&t.duration_seconds));
            assert!((0..=100).contains(&t.stars));
        }
    }
}
