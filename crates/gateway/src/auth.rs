//! Device and user tokens: a token is 32 random bytes shown once (URL-safe base64); the store keeps
//! only its SHA-256, with the grant (role, site, sensors). Requests carry it as
//! `Authorization: Bearer TOKEN`.

use std::collections::HashSet;
use std::sync::Arc;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::store::{Role, Store, StoreError, TokenGrant};

/// A new token and its hash.
pub fn new_token() -> anyhow::Result<(String, String)> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no random numbers from the system: {e}"))?;
    let token = format!("st_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash(&token);
    Ok((token, hash))
}

/// The hash a token is stored under.
pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Creates a token in the store and returns it.
pub fn issue(store: &dyn Store, grant: &TokenGrant) -> anyhow::Result<String> {
    let (token, hash) = new_token()?;
    store.add_token(&hash, grant)?;
    Ok(token)
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// What its token grants.
    pub grant: TokenGrant,
    /// For a device token restricted to sensors: those.
    pub sensors: Option<Arc<HashSet<String>>>,
    /// The token's hash: what its rate and its log lines are counted by (labels may repeat).
    pub key: String,
}

impl Caller {
    /// Looks a bearer token up.
    pub fn find(store: &dyn Store, token: &str) -> Result<Option<Caller>, StoreError> {
        let key = hash(token);
        Ok(store.token(&key)?.map(|grant| {
            let sensors = (!grant.sensors.is_empty()).then(|| Arc::new(grant.sensors.iter().cloned().collect()));
            Caller { grant, sensors, key }
        }))
    }

    /// Whether it may read `site`.
    pub fn may_read(&self, site: &str) -> bool {
        match self.grant.role {
            Role::Bureau => true,
            Role::Viewer | Role::Operator => self.grant.site.as_deref() == Some(site),
            Role::Device => false,
        }
    }

    /// Whether it may work `site`'s alarms and set its status.
    pub fn may_operate(&self, site: &str) -> bool {
        match self.grant.role {
            Role::Bureau => true,
            Role::Operator => self.grant.site.as_deref() == Some(site),
            Role::Viewer | Role::Device => false,
        }
    }

    /// Whether it may push readings for `site`.
    pub fn may_push(&self, site: &str) -> bool {
        self.grant.role == Role::Device && self.grant.site.as_deref() == Some(site)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, ha) = new_token().unwrap();
        let (b, hb) = new_token().unwrap();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert_eq!(hash(&a), ha);
        assert_eq!(ha.len(), 64);
        assert!(a.starts_with("st_") && a.len() > 40);
    }

    #[test]
    fn roles_reach_only_their_site() {
        let caller = |role, site: Option<&str>| Caller {
            grant: TokenGrant { role, site: site.map(String::from), sensors: vec![], label: "t".into() },
            sensors: None,
            key: String::new(),
        };
        let dev = caller(Role::Device, Some("A"));
        assert!(dev.may_push("A") && !dev.may_push("B") && !dev.may_read("A") && !dev.may_operate("A"));
        let op = caller(Role::Operator, Some("A"));
        assert!(
            op.may_read("A") && op.may_operate("A") && !op.may_read("B") && !op.may_operate("B") && !op.may_push("A")
        );
        let viewer = caller(Role::Viewer, Some("A"));
        assert!(viewer.may_read("A") && !viewer.may_operate("A"));
        let bureau = caller(Role::Bureau, None);
        assert!(bureau.may_read("B") && bureau.may_operate("B") && !bureau.may_push("B"));
    }
}
