//! TLS interception: a CA made for one probe run, and leaf certificates
//! minted per SNI name inside each sandbox (rcgen, signed with ring's
//! ECDSA P-256; rustls serves them).
//!
//! The CA never leaves the run: its key is written only into the sandbox
//! spec of that run, and the sandbox trusts it through
//! `NODE_EXTRA_CA_CERTS`, `SSL_CERT_FILE` and a system bundle bind-mounted
//! with the CA appended. A client that pins certificates or ignores those
//! stores fails its handshake; the capture server records the name and the
//! failure instead of the request.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A CA for one run: certificate and key in PEM.
#[derive(Clone, Debug)]
pub struct RunCa {
    pub cert_pem: String,
    pub key_pem: String,
}

/// Why TLS material could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    #[error("certificate generation: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

fn ca_params() -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "Local Development Root CA");
    dn.push(DnType::OrganizationName, "Local Development");
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    set_validity(&mut p, 2, 30);
    p
}

/// Makes the CA of a run.
pub fn new_run_ca() -> Result<RunCa, TlsError> {
    let key = KeyPair::generate()?;
    let cert = ca_params().self_signed(&key)?;
    Ok(RunCa {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

/// Validity from `days_before` days ago to `days_after` days ahead
/// (leaf lifetimes stay far below the 398-day limit clients enforce).
fn set_validity(p: &mut CertificateParams, days_before: i64, days_after: i64) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let day = now.div_euclid(86_400);
    let ymd = |days: i64| {
        let (y, m, d) = civil_from_days(days);
        rcgen::date_time_ymd(y as i32, m as u8, d as u8)
    };
    p.not_before = ymd(day - days_before);
    p.not_after = ymd(day + days_after);
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A name and the ALPN protocols offered for it.
type ConfigKey = (String, Vec<Vec<u8>>);

/// Mints and caches one server configuration per name, inside a sandbox.
pub struct Minter {
    issuer: Issuer<'static, KeyPair>,
    leaf_key: KeyPair,
    configs: Mutex<HashMap<ConfigKey, Arc<ServerConfig>>>,
}

impl Minter {
    pub fn new(ca: &RunCa) -> Result<Minter, TlsError> {
        let key = KeyPair::from_pem(&ca.key_pem)?;
        Ok(Minter {
            issuer: Issuer::new(ca_params(), key),
            leaf_key: KeyPair::generate()?,
            configs: Mutex::new(HashMap::new()),
        })
    }

    /// A server configuration presenting a certificate for `name` (a DNS
    /// name or an IP address), offering the ALPN protocols the client
    /// offered among `h2` and `http/1.1`.
    pub fn config_for(
        &self,
        name: &str,
        client_alpn: &[Vec<u8>],
    ) -> Result<Arc<ServerConfig>, TlsError> {
        let alpn: Vec<Vec<u8>> = [b"h2".to_vec(), b"http/1.1".to_vec()]
            .into_iter()
            .filter(|p| client_alpn.contains(p))
            .collect();
        let key = (name.to_owned(), alpn.clone());
        if let Some(c) = self
            .configs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&key)
        {
            return Ok(Arc::clone(c));
        }
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, name);
        p.distinguished_name = dn;
        p.subject_alt_names = vec![match name.parse::<IpAddr>() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName(name.try_into()?),
        }];
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        set_validity(&mut p, 1, 30);
        let leaf = p.signed_by(&self.leaf_key, &self.issuer)?;
        let chain: Vec<CertificateDer<'static>> = vec![leaf.der().clone()];
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.leaf_key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut cfg = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key_der)?;
        cfg.alpn_protocols = alpn;
        let cfg = Arc::new(cfg);
        self.configs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key, Arc::clone(&cfg));
        Ok(cfg)
    }
}
