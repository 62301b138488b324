//! SQLite never runs on the server's async worker threads: requests waiting for the database
//! do not keep the server from answering others.

use std::sync::mpsc;
use std::time::Duration;

use crate::common::*;

#[test]
fn requests_waiting_for_the_database_do_not_stall_the_server() {
    let s = server();
    let (locked_tx, locked_rx) = mpsc::channel::<()>();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let db = s.state.db.clone();
    // Hold the database until told to let go.
    let holder = std::thread::spawn(move || {
        db.with(|_| {
            locked_tx.send(()).unwrap();
            let _ = release_rx.recv_timeout(Duration::from_secs(30));
        })
    });
    locked_rx.recv().unwrap();
    // More API requests than the runtime has worker threads, all waiting for the database.
    let url = s.url.clone();
    let token = s.token().to_string();
    let waiting: Vec<_> = (0..4)
        .map(|_| {
            let (url, token) = (url.clone(), token.clone());
            std::thread::spawn(move || {
                let mut r = agent()
                    .get(format!("{url}/api/0/organizations/local/"))
                    .header("Authorization", format!("Bearer {token}"))
                    .call()
                    .expect("answered once the database is free");
                (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
            })
        })
        .collect();
    // Give them time to be parked on the database.
    std::thread::sleep(Duration::from_millis(300));
    // The server still answers what needs no database (the client gives up after 10 s).
    let health = agent().get(format!("{url}/health")).call();
    release_tx.send(()).unwrap();
    holder.join().unwrap();
    let mut health = health.expect("/health answered while the database was busy");
    assert_eq!(health.body_mut().read_to_string().unwrap(), "OK");
    for w in waiting {
        let (status, body) = w.join().unwrap();
        assert_eq!(status, 200, "{body}");
    }
}
