//! Serving a double: on a free loopback port, in a thread of its own with its own runtime, so
//! the threads of a test (or of a benchmark) never serve it. Each crate that uses a double
//! declares it once.

use axum::Router;

/// Serves `app` and returns its base URL.
pub fn serve(app: Router) -> String {
    listen(move |listener| async move { axum::serve(listener, app).await.unwrap() })
}

/// Runs `accept` on a listener of a free loopback port, in a thread of its own; returns the
/// port's `http://` address.
pub fn listen<F, Fut>(accept: F) -> String
where
    F: FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            accept(tokio::net::TcpListener::from_std(listener).unwrap()).await;
        });
    });
    url
}
