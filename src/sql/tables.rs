//! Where the project's users and events live in the warehouse, and what their columns are called.

/// Where users and events live in the warehouse and what their columns are called.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Tables {
    pub users: UsersTable,
    pub events: EventsTable,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct UsersTable {
    pub table: String,
    pub id: String,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct EventsTable {
    pub table: String,
    pub user_id: String,
    pub name: String,
    pub timestamp: String,
    pub properties: String,
}

impl Default for Tables {
    fn default() -> Self {
        Tables {
            users: UsersTable {
                table: "users".into(),
                id: "user_id".into(),
            },
            events: EventsTable {
                table: "events".into(),
                user_id: "user_id".into(),
                name: "event".into(),
                timestamp: "ts".into(),
                properties: "properties".into(),
            },
        }
    }
}
