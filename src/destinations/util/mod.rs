//! What every destination shares: batches at the API's limit, a token bucket below its rate,
//! several requests in flight, a retry decision per response, and checkpoints.

pub mod batch;
pub mod checkpoint;
pub mod pipeline;
pub mod rate;
