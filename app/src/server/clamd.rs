//! A small client for clamd, ClamAV's scanning daemon, so uploads can be checked for malware
//! before anyone downloads them. Optional: without a clamd address nothing is scanned.
//!
//! Only what uploads need: `PING`, and `INSTREAM`, which sends the file's bytes over the
//! socket (clamd may run on another host or in another container, so paths are no use).
//! Commands are `z`-prefixed and NUL-terminated, and so are the replies. `INSTREAM` data
//! goes in chunks, each after its length as 4 bytes big-endian, and ends with an empty one.
//! clamd refuses a stream longer than its `StreamMaxLength` with
//! `INSTREAM size limit exceeded. ERROR` and closes the connection, so a failed write is
//! followed by a look for that reply: the caller learns why, not just "broken pipe".
//!
//! Every network step is bounded by the client's timeout, and nothing read from the socket
//! can panic: a dead or confused clamd is an error ([`ClamdError::is_unavailable`] tells
//! those apart from clamd's own refusals), never a hang.

use std::borrow::Cow;
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long one network step (connect, one write, the reply) may take unless set otherwise.
/// The reply to `INSTREAM` comes after the scan itself, so this is not tight.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest chunk sent in one frame: clamd reads each into memory before it writes it out.
pub const MAX_CHUNK: usize = 64 * 1024;
/// clamd's replies are one short line; anything longer is not clamd.
const MAX_REPLY: usize = 4096;
/// After a failed write, how long to wait for clamd's reason before giving up on it.
const WHY_CLOSED_WAIT: Duration = Duration::from_secs(2);

/// What went wrong talking to clamd.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClamdError {
    /// The configured address is not one we understand.
    #[error("not a clamd address (tcp://host:port or unix:///path): {0}")]
    BadUrl(String),
    /// Could not connect, or the connection failed or closed early.
    #[error("clamd unreachable: {0}")]
    Unreachable(String),
    /// A step took longer than the client's timeout.
    #[error("clamd timed out while {0}")]
    Timeout(&'static str),
    /// clamd answered, with an error of its own (such as the stream being too long).
    #[error("clamd said ERROR: {0}")]
    Clamd(String),
    /// clamd answered something that is not in its protocol.
    #[error("unexpected reply from clamd: {0:?}")]
    BadReply(String),
}

impl ClamdError {
    /// Whether clamd could not be reached or did not answer in time (as opposed to answering
    /// with an error): the case where a policy may let an upload through unscanned.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, ClamdError::Unreachable(_) | ClamdError::Timeout(_))
    }
}

/// Where clamd listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClamdAddr {
    /// `tcp://host:port`; an IPv6 host goes in brackets, as in `tcp://[::1]:3310`.
    Tcp { host: String, port: u16 },
    /// `unix:///path/to/socket`.
    Unix(PathBuf),
}

impl ClamdAddr {
    /// Parse `tcp://host:port` or `unix:///absolute/path`.
    pub fn parse(url: &str) -> Result<ClamdAddr, ClamdError> {
        let url = url.trim();
        let bad = |why: &str| ClamdError::BadUrl(format!("{url:?}: {why}"));
        if let Some(rest) = url.strip_prefix("tcp://") {
            let rest = rest.strip_suffix('/').unwrap_or(rest);
            let (host, port) = rest.rsplit_once(':').ok_or_else(|| bad("no port"))?;
            let (host, bracketed) = match host.strip_prefix('[') {
                Some(inner) => (
                    inner.strip_suffix(']').ok_or_else(|| bad("unclosed ["))?,
                    true,
                ),
                None => (host, false),
            };
            let odd = |c: char| {
                c.is_whitespace()
                    || c.is_control()
                    || "/?#@[]".contains(c)
                    || (!bracketed && c == ':')
            };
            if host.is_empty() || host.chars().any(odd) {
                return Err(bad("no usable host"));
            }
            let port = match port.parse::<u16>() {
                Ok(p) if p > 0 => p,
                _ => return Err(bad("the port is not a number from 1 to 65535")),
            };
            Ok(ClamdAddr::Tcp {
                host: host.to_string(),
                port,
            })
        } else if let Some(path) = url.strip_prefix("unix://") {
            if !path.starts_with('/') || path.len() < 2 || path.contains(char::is_control) {
                return Err(bad(
                    "needs an absolute path, as in unix:///run/clamav/clamd.ctl",
                ));
            }
            Ok(ClamdAddr::Unix(PathBuf::from(path)))
        } else {
            Err(bad("unknown scheme"))
        }
    }
}

impl std::fmt::Display for ClamdAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClamdAddr::Tcp { host, port } if host.contains(':') => {
                write!(f, "tcp://[{host}]:{port}")
            }
            ClamdAddr::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            ClamdAddr::Unix(path) => write!(f, "unix://{}", path.display()),
        }
    }
}

/// The verdict on one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanOutcome {
    Clean,
    /// The signature's name as clamd gives it. Signatures from a database that is not
    /// ClamAV's own carry a `.UNOFFICIAL` suffix (`Eicar-Test-Signature.UNOFFICIAL`).
    Infected(String),
}

/// A clamd to scan with. Cheap to clone; each call opens its own connection, as clamd
/// handles one command per connection outside sessions.
#[derive(Debug, Clone)]
pub struct Clamd {
    addr: ClamdAddr,
    timeout: Duration,
}

/// A TCP or unix-socket connection, whichever the address names.
trait Conn: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Conn for T {}

impl Clamd {
    /// A client for the clamd at `url` (see [`ClamdAddr::parse`]) with [`DEFAULT_TIMEOUT`].
    pub fn from_url(url: &str) -> Result<Clamd, ClamdError> {
        Ok(Clamd {
            addr: ClamdAddr::parse(url)?,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// The same clamd with another bound on each network step.
    pub fn with_timeout(self, timeout: Duration) -> Clamd {
        Clamd { timeout, ..self }
    }

    /// Where this client connects (for logs and the health check).
    pub fn addr(&self) -> &ClamdAddr {
        &self.addr
    }

    /// Whether clamd is there and answering: `PING`, expecting `PONG`.
    pub async fn ping(&self) -> Result<(), ClamdError> {
        let mut conn = self.connect().await?;
        step(self.timeout, "sending PING", conn.write_all(b"zPING\0")).await?;
        let reply = read_reply(&mut *conn, self.timeout).await?;
        let text = reply_text(&reply);
        if text == "PONG" {
            return Ok(());
        }
        match parse_error(&text) {
            Some(e) => Err(e),
            None => Err(ClamdError::BadReply(text.into_owned())),
        }
    }

    /// Begin an `INSTREAM` scan: feed it with [`ClamdScan::send`], then
    /// [`ClamdScan::finish`] for the verdict. Lets an upload be scanned as it arrives.
    pub async fn start(&self) -> Result<ClamdScan, ClamdError> {
        let mut conn = self.connect().await?;
        step(
            self.timeout,
            "sending INSTREAM",
            conn.write_all(b"zINSTREAM\0"),
        )
        .await?;
        Ok(ClamdScan {
            conn,
            timeout: self.timeout,
            frame: Vec::new(),
        })
    }

    /// Scan bytes already in memory.
    pub async fn scan(&self, bytes: &[u8]) -> Result<ScanOutcome, ClamdError> {
        let mut scan = self.start().await?;
        scan.send(bytes).await?;
        scan.finish().await
    }

    async fn connect(&self) -> Result<Box<dyn Conn>, ClamdError> {
        let addr = &self.addr;
        let connecting = async {
            let conn: Box<dyn Conn> = match addr {
                ClamdAddr::Tcp { host, port } => {
                    Box::new(TcpStream::connect((host.as_str(), *port)).await?)
                }
                #[cfg(unix)]
                ClamdAddr::Unix(path) => Box::new(tokio::net::UnixStream::connect(path).await?),
                #[cfg(not(unix))]
                ClamdAddr::Unix(_) => {
                    let why = "no unix sockets on this system";
                    return Err(io::Error::new(io::ErrorKind::Unsupported, why));
                }
            };
            Ok::<_, io::Error>(conn)
        };
        match tokio::time::timeout(self.timeout, connecting).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(e)) => Err(ClamdError::Unreachable(format!("{addr}: {e}"))),
            Err(_) => Err(ClamdError::Timeout("connecting")),
        }
    }
}

/// An `INSTREAM` scan under way. Dropping it abandons the scan (clamd sees the connection
/// close and discards what it had).
pub struct ClamdScan {
    conn: Box<dyn Conn>,
    timeout: Duration,
    /// One frame (length and chunk), reused, so each chunk goes out in one write.
    frame: Vec<u8>,
}

impl std::fmt::Debug for ClamdScan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClamdScan")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ClamdScan {
    /// Send the next bytes of the stream, in chunks of at most [`MAX_CHUNK`]. Empty input
    /// sends nothing (an empty chunk would end the stream).
    pub async fn send(&mut self, bytes: &[u8]) -> Result<(), ClamdError> {
        for chunk in bytes.chunks(MAX_CHUNK) {
            self.frame.clear();
            // At most MAX_CHUNK, so the length fits.
            self.frame
                .extend_from_slice(&(chunk.len() as u32).to_be_bytes());
            self.frame.extend_from_slice(chunk);
            if let Err(e) = step(
                self.timeout,
                "sending data",
                self.conn.write_all(&self.frame),
            )
            .await
            {
                return Err(self.why_closed(e).await);
            }
        }
        Ok(())
    }

    /// End the stream and wait for clamd's verdict.
    pub async fn finish(mut self) -> Result<ScanOutcome, ClamdError> {
        let end = async {
            self.conn.write_all(&[0, 0, 0, 0]).await?;
            self.conn.flush().await
        };
        if let Err(e) = step(self.timeout, "ending the stream", end).await {
            return Err(self.why_closed(e).await);
        }
        let reply = read_reply(&mut *self.conn, self.timeout).await?;
        parse_reply(&reply)
    }

    /// A write failed: clamd may have said why before it closed (the size limit). Its
    /// error if so, else the write's.
    async fn why_closed(&mut self, write_error: ClamdError) -> ClamdError {
        match read_reply(&mut *self.conn, self.timeout.min(WHY_CLOSED_WAIT)).await {
            Ok(reply) => match parse_error(&reply_text(&reply)) {
                Some(said) => said,
                None => write_error,
            },
            Err(_) => write_error,
        }
    }
}

/// Run one network step under the time limit.
async fn step<T>(
    limit: Duration,
    what: &'static str,
    fut: impl Future<Output = io::Result<T>>,
) -> Result<T, ClamdError> {
    match tokio::time::timeout(limit, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(ClamdError::Unreachable(format!("{what}: {e}"))),
        Err(_) => Err(ClamdError::Timeout(what)),
    }
}

/// Read one reply: up to its NUL, the end of the connection, or [`MAX_REPLY`] bytes.
async fn read_reply(conn: &mut dyn Conn, limit: Duration) -> Result<Vec<u8>, ClamdError> {
    let reading = async {
        let mut reply = Vec::new();
        let mut buf = [0u8; 512];
        loop {
            let n = conn.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            reply.extend_from_slice(&buf[..n]);
            if reply.contains(&0) || reply.len() >= MAX_REPLY {
                break;
            }
        }
        Ok(reply)
    };
    let reply = step(limit, "reading the reply", reading).await?;
    if reply.is_empty() {
        return Err(ClamdError::Unreachable(
            "clamd closed the connection without a reply".into(),
        ));
    }
    Ok(reply)
}

/// A reply as text: up to its NUL (or newline, for `n`-style commands), trimmed.
fn reply_text(reply: &[u8]) -> Cow<'_, str> {
    let end = reply.iter().position(|&b| b == 0).unwrap_or(reply.len());
    match String::from_utf8_lossy(&reply[..end]) {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
    }
}

/// clamd's own error in a reply's text (`... ERROR`), if that is what it is.
fn parse_error(text: &str) -> Option<ClamdError> {
    let body = text.strip_prefix("stream:").map_or(text, str::trim_start);
    let message = if body == "ERROR" {
        Some("")
    } else {
        body.strip_suffix(" ERROR")
    }?;
    Some(ClamdError::Clamd(message.trim().to_string()))
}

/// The verdict in clamd's reply to `INSTREAM`: `stream: OK`, `stream: NAME FOUND`, or an
/// error such as `INSTREAM size limit exceeded. ERROR` (each NUL-terminated).
pub fn parse_reply(reply: &[u8]) -> Result<ScanOutcome, ClamdError> {
    let text = reply_text(reply);
    let body = text.strip_prefix("stream:").map_or(&*text, str::trim_start);
    if body == "OK" {
        return Ok(ScanOutcome::Clean);
    }
    if let Some(name) = body.strip_suffix(" FOUND").map(str::trim)
        && !name.is_empty()
    {
        return Ok(ScanOutcome::Infected(name.to_string()));
    }
    match parse_error(&text) {
        Some(e) => Err(e),
        None => Err(ClamdError::BadReply(text.into_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The EICAR test file's string, in two halves so this source file is no match itself.
    const EICAR: &str = concat!(
        "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR",
        "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    );

    fn eicar_pdf() -> Vec<u8> {
        format!("%PDF-1.4\n{EICAR}\n%%EOF\n").into_bytes()
    }

    fn clean_pdf() -> Vec<u8> {
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
            .to_vec()
    }

    #[test]
    fn eicar_is_the_68_byte_string() {
        assert_eq!(EICAR.len(), 68);
    }

    #[test]
    fn parses_addresses() {
        let tcp = |h: &str, p| ClamdAddr::Tcp {
            host: h.into(),
            port: p,
        };
        assert_eq!(
            ClamdAddr::parse("tcp://127.0.0.1:3310"),
            Ok(tcp("127.0.0.1", 3310))
        );
        assert_eq!(
            ClamdAddr::parse(" tcp://clamav:3310/ "),
            Ok(tcp("clamav", 3310))
        );
        assert_eq!(ClamdAddr::parse("tcp://[::1]:3311"), Ok(tcp("::1", 3311)));
        assert_eq!(
            ClamdAddr::parse("unix:///run/clamav/clamd.ctl"),
            Ok(ClamdAddr::Unix("/run/clamav/clamd.ctl".into()))
        );
        for addr in [
            "tcp://127.0.0.1:3310",
            "tcp://[::1]:3311",
            "unix:///tmp/c.sock",
        ] {
            assert_eq!(ClamdAddr::parse(addr).unwrap().to_string(), addr);
        }
        let c = Clamd::from_url("tcp://localhost:3310")
            .unwrap()
            .with_timeout(Duration::from_secs(5));
        assert_eq!(c.addr(), &tcp("localhost", 3310));
    }

    #[test]
    fn refuses_bad_addresses() {
        for bad in [
            "",
            "127.0.0.1:3310",
            "tcp://",
            "tcp://host",
            "tcp://host:",
            "tcp://:3310",
            "tcp://host:0",
            "tcp://host:65536",
            "tcp://host:-1",
            "tcp://host:33x",
            "tcp://::1:3310",
            "tcp://[::1:3310",
            "tcp://user@host:3310",
            "tcp://host/path:3310",
            "tcp://ho st:3310",
            "unix://",
            "unix:///",
            "unix://relative/sock",
            "http://host:3310",
            "TCP://host:3310",
            "tcp://\u{0}:1",
            "unix:///tmp/a\u{0}b",
        ] {
            assert!(
                matches!(Clamd::from_url(bad), Err(ClamdError::BadUrl(_))),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn parses_replies() {
        use ScanOutcome::*;
        assert_eq!(parse_reply(b"stream: OK\0"), Ok(Clean));
        assert_eq!(parse_reply(b"stream: OK"), Ok(Clean));
        assert_eq!(parse_reply(b"stream: OK\n"), Ok(Clean));
        assert_eq!(
            parse_reply(b"stream: Eicar-Test-Signature FOUND\0"),
            Ok(Infected("Eicar-Test-Signature".into()))
        );
        assert_eq!(
            parse_reply(b"stream: Win.Test.EICAR_HDB-1 FOUND\0garbage"),
            Ok(Infected("Win.Test.EICAR_HDB-1".into()))
        );
        assert_eq!(
            parse_reply(b"INSTREAM size limit exceeded. ERROR\0"),
            Err(ClamdError::Clamd("INSTREAM size limit exceeded.".into()))
        );
        assert_eq!(
            parse_reply(b"stream: Can't allocate memory ERROR\0"),
            Err(ClamdError::Clamd("Can't allocate memory".into()))
        );
        assert_eq!(
            parse_reply(b"ERROR\0"),
            Err(ClamdError::Clamd(String::new()))
        );
        for odd in [
            &b""[..],
            b"\0",
            b"stream: FOUND\0",
            b"UNKNOWN COMMAND\0",
            b"PONG\0",
            b"\xff\xfe\0",
        ] {
            assert!(
                matches!(parse_reply(odd), Err(ClamdError::BadReply(_))),
                "{odd:?}"
            );
        }
    }

    #[test]
    fn tells_unavailable_from_refused() {
        assert!(ClamdError::Timeout("connecting").is_unavailable());
        assert!(ClamdError::Unreachable("x".into()).is_unavailable());
        assert!(!ClamdError::Clamd("x".into()).is_unavailable());
        assert_eq!(
            ClamdError::Clamd("INSTREAM size limit exceeded.".into()).to_string(),
            "clamd said ERROR: INSTREAM size limit exceeded."
        );
    }

    #[tokio::test]
    async fn nobody_listening_is_unreachable() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let clamd = Clamd::from_url(&format!("tcp://127.0.0.1:{port}")).unwrap();
        assert!(matches!(
            clamd.ping().await,
            Err(ClamdError::Unreachable(_))
        ));
        let missing = Clamd::from_url("unix:///nonexistent/taka/clamd.sock").unwrap();
        assert!(matches!(
            missing.scan(b"x").await,
            Err(ClamdError::Unreachable(_))
        ));
    }

    #[tokio::test]
    async fn a_silent_clamd_times_out() {
        // Connects (the kernel accepts into the backlog) but never answers.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let clamd = Clamd::from_url(&format!("tcp://127.0.0.1:{port}"))
            .unwrap()
            .with_timeout(Duration::from_millis(200));
        assert_eq!(
            clamd.ping().await,
            Err(ClamdError::Timeout("reading the reply"))
        );
        drop(listener);
    }

    /// A stand-in clamd on a unix socket: checks the framing, reports the chunk sizes, and
    /// finds "EVIL" anywhere in the stream.
    #[cfg(unix)]
    #[tokio::test]
    async fn frames_instream_chunks() {
        let dir = std::env::temp_dir().join(format!("taka-clamd-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let sock = dir.join("fake.sock");
        let _ = std::fs::remove_file(&sock);
        let listener = tokio::net::UnixListener::bind(&sock).unwrap();
        let server = tokio::spawn(async move {
            let mut sizes = Vec::new();
            for _ in 0..2 {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut cmd = [0u8; 10];
                s.read_exact(&mut cmd).await.unwrap();
                assert_eq!(&cmd, b"zINSTREAM\0");
                let mut data = Vec::new();
                loop {
                    let mut len = [0u8; 4];
                    s.read_exact(&mut len).await.unwrap();
                    let len = u32::from_be_bytes(len) as usize;
                    sizes.push(len);
                    if len == 0 {
                        break;
                    }
                    let start = data.len();
                    data.resize(start + len, 0);
                    s.read_exact(&mut data[start..]).await.unwrap();
                }
                let evil = data.windows(4).any(|w| w == b"EVIL");
                let reply: &[u8] = if evil {
                    b"stream: Fake.Evil FOUND\0"
                } else {
                    b"stream: OK\0"
                };
                s.write_all(reply).await.unwrap();
            }
            sizes
        });
        let clamd = Clamd::from_url(&format!("unix://{}", sock.display())).unwrap();
        let mut scan = clamd.start().await.unwrap();
        scan.send(&vec![b'a'; 150_000]).await.unwrap();
        scan.send(b"").await.unwrap();
        scan.send(b"0123456789").await.unwrap();
        assert_eq!(scan.finish().await, Ok(ScanOutcome::Clean));
        // The marker split across two sends, and so across two chunks.
        let mut scan = clamd.start().await.unwrap();
        scan.send(b"xxEV").await.unwrap();
        scan.send(b"ILxx").await.unwrap();
        assert_eq!(
            scan.finish().await,
            Ok(ScanOutcome::Infected("Fake.Evil".into()))
        );
        let sizes = server.await.unwrap();
        assert_eq!(
            sizes,
            [
                MAX_CHUNK,
                MAX_CHUNK,
                150_000 - 2 * MAX_CHUNK,
                10,
                0,
                4,
                4,
                0
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Against a real clamd (`scripts/clamd.sh` starts one with an EICAR signature and
    /// writes `target/test-clamd.env`); skipped when `TAKA_TEST_CLAMD` is not set.
    #[tokio::test]
    async fn real_clamd_finds_eicar() {
        let Ok(url) = std::env::var("TAKA_TEST_CLAMD") else {
            eprintln!("TAKA_TEST_CLAMD not set: skipping the real clamd test");
            return;
        };
        let clamd = Clamd::from_url(&url).expect("TAKA_TEST_CLAMD is a clamd address");
        clamd.ping().await.expect("clamd answers PING");

        match clamd.scan(&eicar_pdf()).await.expect("scan") {
            // Our test database is not ClamAV's own, so clamd adds ".UNOFFICIAL".
            ScanOutcome::Infected(name) => {
                assert_eq!(name.trim_end_matches(".UNOFFICIAL"), "Eicar-Test-Signature")
            }
            ScanOutcome::Clean => panic!("EICAR in a PDF was reported clean"),
        }
        assert_eq!(clamd.scan(&clean_pdf()).await, Ok(ScanOutcome::Clean));

        // EICAR across a chunk boundary, sent in uneven pieces.
        let mut big = vec![b' '; 200_000];
        big[MAX_CHUNK - 30..MAX_CHUNK - 30 + EICAR.len()].copy_from_slice(EICAR.as_bytes());
        let mut scan = clamd.start().await.unwrap();
        for piece in big.chunks(7_777) {
            scan.send(piece).await.unwrap();
        }
        assert!(matches!(scan.finish().await, Ok(ScanOutcome::Infected(_))));

        // Past StreamMaxLength (64 MiB in scripts/clamd.sh) clamd refuses and hangs up; the
        // client reports clamd's reason, not the broken pipe. Well past it, so that a send
        // fails (not only the end of the stream).
        let mut scan = clamd.start().await.unwrap();
        let mib = vec![0u8; 1 << 20];
        let mut outcome = Ok(());
        for _ in 0..100 {
            outcome = scan.send(&mib).await;
            if outcome.is_err() {
                break;
            }
        }
        let outcome = match outcome {
            Ok(()) => scan.finish().await,
            Err(e) => Err(e),
        };
        match outcome {
            Err(ClamdError::Clamd(msg)) => assert!(msg.contains("size limit"), "{msg}"),
            Ok(ScanOutcome::Clean) => eprintln!("this clamd takes streams of 100 MiB"),
            other => panic!("100 MiB stream: {other:?}"),
        }
    }
}
