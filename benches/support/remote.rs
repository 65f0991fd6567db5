//! Test doubles served by a child process of the benchmark (this same executable, started with
//! `CDP_BENCH_SERVE_DOUBLES`), so that the doubles' memory stays out of the peak measured for
//! cdp: the child prints its URLs on one line, then answers each line read with a line of counts.

use std::io::{BufRead, Write};

pub struct Remote {
    pub child: std::process::Child,
    lines: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

impl Remote {
    /// Starts the child; the URLs it printed.
    pub fn start() -> (Remote, Vec<String>) {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .env("CDP_BENCH_SERVE_DOUBLES", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let urls = lines.next().unwrap().unwrap();
        let urls = urls.split(' ').map(str::to_string).collect();
        (Remote { child, lines }, urls)
    }

    /// The counts the child answers now.
    pub fn counts(&mut self) -> Vec<u64> {
        writeln!(self.child.stdin.as_mut().unwrap()).unwrap();
        let line = self.lines.next().unwrap().unwrap();
        line.split(' ').map(|n| n.parse().unwrap()).collect()
    }

    /// Ends the child (it stops when its stdin closes).
    pub fn stop(mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}
