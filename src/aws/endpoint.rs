//! Which endpoint and region a call goes to, following the AWS SDKs' documented precedence.
//!
//! Endpoint: `AWS_ENDPOINT_URL_<SERVICE>` › `AWS_ENDPOINT_URL` › the profile's `services`
//! section (`sts =\n  endpoint_url = …`) › the profile's `endpoint_url`; none of the
//! configured ones when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` (or the profile's
//! `ignore_configured_endpoint_urls = true`). Region: the profile's `region`, else
//! `AWS_REGION`/`AWS_DEFAULT_REGION`, else `us-east-1` (STS's global endpoint lives there).
//!
//! CA bundle, as botocore 1.43 picks `verify` (`Session.create_client` reads the config
//! variable `ca_bundle` — env `AWS_CA_BUNDLE` before the profile's `ca_bundle` — and the
//! endpoint creator falls back to `REQUESTS_CA_BUNDLE`): `AWS_CA_BUNDLE` › the profile's
//! `ca_bundle` › `REQUESTS_CA_BUNDLE` › none (the platform's roots). One deliberate difference:
//! botocore reads an empty value as `verify=''`, which turns certificate checks off; mfatui
//! never turns them off and reads an empty value as unset.

use super::http::{BundleSource, CaBundle};
use crate::awsfiles::{ConfigMap, ProfileSettings, Value};

/// The services mfatui calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// AWS Security Token Service.
    Sts,
    /// AWS Identity and Access Management.
    Iam,
    /// IAM Identity Center's OIDC service (SSO login).
    SsoOidc,
    /// IAM Identity Center's portal (role credentials for SSO profiles).
    Sso,
    /// The sign-in service (`aws login` sessions' refresh).
    Signin,
}

impl Service {
    fn env_suffix(self) -> &'static str {
        match self {
            Service::Sts => "STS",
            Service::Iam => "IAM",
            Service::SsoOidc => "SSO_OIDC",
            Service::Sso => "SSO",
            Service::Signin => "SIGNIN",
        }
    }

    fn services_key(self) -> &'static str {
        match self {
            Service::Sts => "sts",
            Service::Iam => "iam",
            Service::SsoOidc => "sso_oidc",
            Service::Sso => "sso",
            Service::Signin => "signin",
        }
    }
}

/// The endpoint override for `service` when calling with `profile`, if any.
pub fn endpoint_url(
    service: Service,
    map: &ConfigMap,
    profile: Option<ProfileSettings>,
    env: &impl Fn(&str) -> Option<String>,
) -> Option<String> {
    let set = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let ignore_env =
        env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let ignore_profile = profile
        .and_then(|p| p.get("ignore_configured_endpoint_urls"))
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if ignore_env || ignore_profile {
        return None;
    }
    if let Some(url) = set(env(&format!("AWS_ENDPOINT_URL_{}", service.env_suffix())))
        .or_else(|| set(env("AWS_ENDPOINT_URL")))
    {
        return Some(url);
    }
    let profile = profile?;
    let from_services = profile
        .get("services")
        .and_then(|name| map.service(name))
        .and_then(|section| match section.get(service.services_key()) {
            Some(Value::Nested(nested)) => nested.get("endpoint_url").cloned(),
            _ => None,
        });
    // From the files by its first line: the lines after it may be a pasted secret, which
    // every error and log line naming the endpoint would print (attack round 15, E-6).
    let first = |v: String| crate::text::first_line(&v).to_owned();
    set(from_services.map(first))
        .or_else(|| set(profile.get("endpoint_url").map(|v| first(v.to_owned()))))
}

/// The region for calls made for `profile`.
pub fn region(profile: Option<ProfileSettings>, env: &impl Fn(&str) -> Option<String>) -> String {
    profile
        .and_then(|p| p.get("region"))
        .map(str::to_owned)
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| "us-east-1".to_owned())
}

/// The CA bundle for calls made for `profile`, if one is configured (see the module doc).
pub fn ca_bundle(
    profile: Option<ProfileSettings>,
    env: &impl Fn(&str) -> Option<String>,
) -> Option<CaBundle> {
    let set = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let found = set(env("AWS_CA_BUNDLE"))
        .map(|p| (p, BundleSource::AwsCaBundle))
        .or_else(|| {
            // By its first line, as `endpoint_url` (attack round 15, E-6).
            let first = |v: &str| crate::text::first_line(v).to_owned();
            set(profile.and_then(|p| p.get("ca_bundle")).map(first))
                .map(|p| (p, BundleSource::Profile))
        })
        .or_else(|| set(env("REQUESTS_CA_BUNDLE")).map(|p| (p, BundleSource::RequestsCaBundle)));
    found.map(|(path, source)| CaBundle {
        path: path.into(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::awsfiles::{Document, Structure};
    use std::collections::HashMap;

    fn map(config: &str) -> ConfigMap<'static> {
        let doc = Document::from_str_lossless(config);
        ConfigMap::build(doc.structure().unwrap(), Structure::default()).into_owned()
    }

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    const CONFIG: &str = "[profile a]\nregion = eu-west-1\nservices = local\nendpoint_url = http://profile\n\n[profile b]\nendpoint_url = http://b\n\n[services local]\nsts =\n  endpoint_url = http://services-sts\n";

    /// Attack rounds 15 and 15b (E-6, F-5): a secret line pasted under `endpoint_url` was
    /// printed with the URL by every error and log line naming it — the sign-in service's
    /// (`aws login` profiles) too, whose lookup was a copy of this one. One lookup, by the
    /// value's first line.
    #[test]
    fn an_endpoint_from_the_files_is_its_first_line_for_every_service() {
        let m = map("[profile lg]\nlogin_session = arn:aws:iam::1:user/a\nendpoint_url = http://signin\n  aws_secret_access_key = PastedSecret\n\n[profile s]\nservices = local\n\n[services local]\nsignin =\n  endpoint_url = http://services-signin\n");
        for service in [Service::Signin, Service::Sts, Service::Sso] {
            assert_eq!(
                endpoint_url(service, &m, m.profile("lg"), &env(&[])).as_deref(),
                Some("http://signin")
            );
        }
        assert_eq!(
            endpoint_url(Service::Signin, &m, m.profile("s"), &env(&[])).as_deref(),
            Some("http://services-signin")
        );
        assert_eq!(
            endpoint_url(
                Service::Signin,
                &m,
                m.profile("lg"),
                &env(&[("AWS_ENDPOINT_URL_SIGNIN", "http://env-signin")])
            )
            .as_deref(),
            Some("http://env-signin")
        );
    }

    #[test]
    fn endpoint_precedence_follows_the_sdk() {
        let m = map(CONFIG);
        let a = m.profile("a");
        let b = m.profile("b");
        let url = |p, e: &[(&str, &str)], s| endpoint_url(s, &m, p, &env(e));
        assert_eq!(
            url(
                a,
                &[
                    ("AWS_ENDPOINT_URL_STS", "http://env-sts"),
                    ("AWS_ENDPOINT_URL", "http://env")
                ],
                Service::Sts
            )
            .as_deref(),
            Some("http://env-sts")
        );
        assert_eq!(
            url(a, &[("AWS_ENDPOINT_URL", "http://env")], Service::Sts).as_deref(),
            Some("http://env")
        );
        assert_eq!(
            url(a, &[], Service::Sts).as_deref(),
            Some("http://services-sts")
        );
        assert_eq!(url(a, &[], Service::Iam).as_deref(), Some("http://profile"));
        assert_eq!(url(b, &[], Service::Sts).as_deref(), Some("http://b"));
        assert_eq!(url(None, &[], Service::Sts), None);
        assert_eq!(
            url(
                a,
                &[
                    ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
                    ("AWS_ENDPOINT_URL", "http://env")
                ],
                Service::Sts
            ),
            None
        );
    }

    #[test]
    fn ca_bundle_precedence_follows_botocore_but_never_turns_checks_off() {
        let m = map("[profile a]\nca_bundle = /profile.pem\n\n[profile b]\nca_bundle =\n");
        let a = m.profile("a");
        let pick = |p, e: &[(&str, &str)]| {
            ca_bundle(p, &env(e)).map(|b| (b.path.display().to_string(), b.source))
        };
        let both = [
            ("AWS_CA_BUNDLE", "/env.pem"),
            ("REQUESTS_CA_BUNDLE", "/requests.pem"),
        ];
        assert_eq!(
            pick(a, &both),
            Some(("/env.pem".into(), BundleSource::AwsCaBundle))
        );
        assert_eq!(
            pick(a, &[("REQUESTS_CA_BUNDLE", "/requests.pem")]),
            Some(("/profile.pem".into(), BundleSource::Profile))
        );
        assert_eq!(
            pick(m.profile("b"), &[("REQUESTS_CA_BUNDLE", "/requests.pem")]),
            Some(("/requests.pem".into(), BundleSource::RequestsCaBundle)),
            "an empty ca_bundle is unset"
        );
        assert_eq!(
            pick(a, &[("AWS_CA_BUNDLE", "")]),
            Some(("/profile.pem".into(), BundleSource::Profile)),
            "an empty AWS_CA_BUNDLE is unset, not 'verify nothing'"
        );
        assert_eq!(pick(None, &[]), None);
    }

    #[test]
    fn region_falls_back_to_env_then_us_east_1() {
        let m = map(CONFIG);
        assert_eq!(
            region(m.profile("a"), &env(&[("AWS_REGION", "x")])),
            "eu-west-1"
        );
        assert_eq!(
            region(
                m.profile("b"),
                &env(&[("AWS_DEFAULT_REGION", "ap-south-1")])
            ),
            "ap-south-1"
        );
        assert_eq!(region(m.profile("b"), &env(&[])), "us-east-1");
    }
}
