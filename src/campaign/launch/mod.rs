//! What a launch needs besides sending: the destination and ids it sends with, the offer's
//! properties and image URLs, and which other campaigns are running.

pub mod running;
pub mod setup;
