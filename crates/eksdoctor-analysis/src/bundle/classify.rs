//! Recognises a parsed document by its content: a Kubernetes object or list (by `kind`), or an
//! aws CLI output (by its top-level key). Deserializes straight into the slim model types.
//!
//! kubectl prints keys sorted (`apiVersion`, `items`, `kind`, `metadata`, `spec`, …) and the API
//! server prints `kind` first, so `kind` nearly always comes before an object's body: the visitor
//! then hands the rest of the map to the typed deserializer without buffering. The few keys that
//! sort before `kind` (an Event's `count`, `involvedObject`, …) are held and handed over first;
//! only top-level documents with the body first (hand-written files) are buffered whole.

use crate::model::{aws, k8s};
use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{
    DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use std::fmt;

/// The Kubernetes kinds eksdoctor reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Pod,
    Node,
    Namespace,
    Deployment,
    ReplicaSet,
    DaemonSet,
    Service,
    Endpoints,
    EndpointSlice,
    Ingress,
    IngressClass,
    IngressClassParams,
    Event,
    ServiceAccount,
    ConfigMap,
    ValidatingWebhookConfiguration,
    MutatingWebhookConfiguration,
}

impl Kind {
    pub fn from_name(kind: &str) -> Option<Kind> {
        Some(match kind {
            "Pod" => Kind::Pod,
            "Node" => Kind::Node,
            "Namespace" => Kind::Namespace,
            "Deployment" => Kind::Deployment,
            "ReplicaSet" => Kind::ReplicaSet,
            "DaemonSet" => Kind::DaemonSet,
            "Service" => Kind::Service,
            "Endpoints" => Kind::Endpoints,
            "EndpointSlice" => Kind::EndpointSlice,
            "Ingress" => Kind::Ingress,
            "IngressClass" => Kind::IngressClass,
            "IngressClassParams" => Kind::IngressClassParams,
            "Event" => Kind::Event,
            "ServiceAccount" => Kind::ServiceAccount,
            "ConfigMap" => Kind::ConfigMap,
            "ValidatingWebhookConfiguration" => Kind::ValidatingWebhookConfiguration,
            "MutatingWebhookConfiguration" => Kind::MutatingWebhookConfiguration,
            _ => return None,
        })
    }
}

/// One recognised thing from a document.
#[derive(Debug)]
pub enum Object {
    Pod(Box<k8s::Pod>),
    Node(Box<k8s::Node>),
    Namespace(Box<k8s::Namespace>),
    Deployment(Box<k8s::Workload>),
    ReplicaSet(Box<k8s::Workload>),
    DaemonSet(Box<k8s::Workload>),
    Service(Box<k8s::Service>),
    Endpoints(Box<k8s::Endpoints>),
    EndpointSlice(Box<k8s::EndpointSlice>),
    Ingress(Box<k8s::Ingress>),
    IngressClass(Box<k8s::IngressClass>),
    IngressClassParams(Box<k8s::IngressClassParams>),
    Event(Box<k8s::Event>),
    ServiceAccount(Box<k8s::ServiceAccount>),
    ConfigMap(Box<k8s::ConfigMap>),
    ValidatingWebhookConfiguration(Box<k8s::WebhookConfiguration>),
    MutatingWebhookConfiguration(Box<k8s::WebhookConfiguration>),
    /// A Kubernetes object of a kind no rule reads (Secret, Lease, CRDs …).
    OtherKubernetes,
    /// A typed list (`PodList`), possibly empty: proof that the kind was collected.
    ListOf(Kind),
    Aws(AwsDoc),
}

/// An aws CLI output, recognised by its top-level key.
#[derive(Debug)]
pub enum AwsDoc {
    Subnets(Vec<aws::Subnet>),
    Vpcs(Vec<aws::Vpc>),
    RouteTables(Vec<aws::RouteTable>),
    NatGateways(Vec<aws::NatGateway>),
    InternetGateways(Vec<aws::InternetGateway>),
    VpcEndpoints(Vec<aws::VpcEndpoint>),
    SecurityGroups(Vec<aws::SecurityGroup>),
    Cluster(Box<aws::Cluster>),
    FargateProfile(Box<aws::FargateProfile>),
    Addon(Box<aws::Addon>),
    LoadBalancers(Vec<aws::LoadBalancer>),
    TargetGroups(Vec<aws::TargetGroup>),
    TargetHealthDescriptions(Vec<aws::TargetHealthDescription>),
    Role(Box<aws::Role>),
    OpenIdConnectProviders(Vec<aws::OidcProviderEntry>),
}

const AWS_KEYS: &[&str] = &[
    "Subnets",
    "Vpcs",
    "RouteTables",
    "NatGateways",
    "InternetGateways",
    "VpcEndpoints",
    "SecurityGroups",
    "cluster",
    "fargateProfile",
    "addon",
    "LoadBalancers",
    "TargetGroups",
    "TargetHealthDescriptions",
    "Role",
    "OpenIDConnectProviderList",
];

fn aws_doc<'de, A: MapAccess<'de>>(key: &str, map: &mut A) -> Result<AwsDoc, A::Error> {
    Ok(match key {
        "Subnets" => AwsDoc::Subnets(map.next_value()?),
        "Vpcs" => AwsDoc::Vpcs(map.next_value()?),
        "RouteTables" => AwsDoc::RouteTables(map.next_value()?),
        "NatGateways" => AwsDoc::NatGateways(map.next_value()?),
        "InternetGateways" => AwsDoc::InternetGateways(map.next_value()?),
        "VpcEndpoints" => AwsDoc::VpcEndpoints(map.next_value()?),
        "SecurityGroups" => AwsDoc::SecurityGroups(map.next_value()?),
        "cluster" => AwsDoc::Cluster(map.next_value()?),
        "fargateProfile" => AwsDoc::FargateProfile(map.next_value()?),
        "addon" => AwsDoc::Addon(map.next_value()?),
        "LoadBalancers" => AwsDoc::LoadBalancers(map.next_value()?),
        "TargetGroups" => AwsDoc::TargetGroups(map.next_value()?),
        "TargetHealthDescriptions" => AwsDoc::TargetHealthDescriptions(map.next_value()?),
        "Role" => AwsDoc::Role(map.next_value()?),
        "OpenIDConnectProviderList" => AwsDoc::OpenIdConnectProviders(map.next_value()?),
        _ => unreachable!("caller checks AWS_KEYS"),
    })
}

/// Deserializes an object of a known kind from whatever deserializer holds its body.
fn object_of<'de, D: Deserializer<'de>>(kind: &str, d: D) -> Result<Object, D::Error> {
    let Some(kind) = Kind::from_name(kind) else {
        IgnoredAny::deserialize(d)?;
        return Ok(Object::OtherKubernetes);
    };
    Ok(match kind {
        Kind::Pod => Object::Pod(Deserialize::deserialize(d)?),
        Kind::Node => Object::Node(Deserialize::deserialize(d)?),
        Kind::Namespace => Object::Namespace(Deserialize::deserialize(d)?),
        Kind::Deployment => Object::Deployment(Deserialize::deserialize(d)?),
        Kind::ReplicaSet => Object::ReplicaSet(Deserialize::deserialize(d)?),
        Kind::DaemonSet => Object::DaemonSet(Deserialize::deserialize(d)?),
        Kind::Service => Object::Service(Deserialize::deserialize(d)?),
        Kind::Endpoints => Object::Endpoints(Deserialize::deserialize(d)?),
        Kind::EndpointSlice => Object::EndpointSlice(Deserialize::deserialize(d)?),
        Kind::Ingress => Object::Ingress(Deserialize::deserialize(d)?),
        Kind::IngressClass => Object::IngressClass(Deserialize::deserialize(d)?),
        Kind::IngressClassParams => Object::IngressClassParams(Deserialize::deserialize(d)?),
        Kind::Event => Object::Event(Deserialize::deserialize(d)?),
        Kind::ServiceAccount => Object::ServiceAccount(Deserialize::deserialize(d)?),
        Kind::ConfigMap => Object::ConfigMap(Deserialize::deserialize(d)?),
        Kind::ValidatingWebhookConfiguration => {
            Object::ValidatingWebhookConfiguration(Deserialize::deserialize(d)?)
        }
        Kind::MutatingWebhookConfiguration => {
            Object::MutatingWebhookConfiguration(Deserialize::deserialize(d)?)
        }
    })
}

fn from_buffered<E: serde::de::Error>(
    kind: &str,
    map: serde_json::Map<String, serde_json::Value>,
) -> Result<Object, E> {
    object_of(kind, serde_json::Value::Object(map)).map_err(E::custom)
}

/// The item kind a list's `kind` names: `PodList` -> `Pod`; `List` names none.
fn item_kind(list_kind: &str) -> Option<&str> {
    list_kind.strip_suffix("List").filter(|k| !k.is_empty())
}

/// What a top-level document turned out to be.
#[derive(Debug, Default)]
pub struct Classified {
    pub objects: Vec<Object>,
    /// Set when the document was neither a Kubernetes object/list nor an aws CLI output.
    pub unrecognised: bool,
}

/// Classifies one top-level document.
pub fn classify<'de, D: Deserializer<'de>>(d: D) -> Result<Classified, D::Error> {
    d.deserialize_any(TopVisitor)
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Classified;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Kubernetes object or list, or an aws CLI JSON output")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Classified, A::Error> {
        let mut kind: Option<String> = None;
        let mut has_api_version = false;
        let mut items: Option<Vec<Item>> = None;
        let mut buffered = serde_json::Map::new();
        let mut out = Classified::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "apiVersion" => {
                    has_api_version = true;
                    map.next_value::<IgnoredAny>()?;
                }
                "kind" => {
                    let k: String = map.next_value()?;
                    let is_list = k.ends_with("List");
                    if !is_list && buffered.is_empty() && items.is_none() && has_api_version {
                        // Fast path: a single object whose body follows its kind.
                        out.objects
                            .push(object_of(&k, MapAccessDeserializer::new(map))?);
                        return Ok(out);
                    }
                    kind = Some(k);
                }
                "items" => {
                    let hint = kind.as_deref().and_then(item_kind).map(str::to_owned);
                    items = Some(map.next_value_seed(ItemsSeed { hint })?);
                }
                k if AWS_KEYS.contains(&k) && kind.is_none() => {
                    out.objects.push(Object::Aws(aws_doc(k, &mut map)?));
                }
                _ => {
                    let value: serde_json::Value = map.next_value()?;
                    buffered.insert(key, value);
                }
            }
        }
        match (kind, items) {
            (Some(list_kind), Some(items)) => {
                let hint = item_kind(&list_kind);
                if let Some(k) = hint.and_then(Kind::from_name) {
                    out.objects.push(Object::ListOf(k));
                }
                for item in items {
                    match item {
                        Item::Typed(object) => out.objects.push(object),
                        Item::Untyped(body) => match hint {
                            Some(k) => out.objects.push(from_buffered(k, body)?),
                            None => {
                                return Err(serde::de::Error::custom(
                                    "an item of a `List` has no `kind`",
                                ));
                            }
                        },
                    }
                }
            }
            (Some(k), None) if has_api_version => out.objects.push(from_buffered(&k, buffered)?),
            _ => out.unrecognised = out.objects.is_empty(),
        }
        Ok(out)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Classified, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Classified {
            objects: Vec::new(),
            unrecognised: true,
        })
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Classified, E> {
        Ok(Classified {
            objects: Vec::new(),
            unrecognised: true,
        })
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Classified, E> {
        self.visit_unit()
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Classified, E> {
        self.visit_unit()
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Classified, E> {
        self.visit_unit()
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Classified, E> {
        self.visit_unit()
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Classified, E> {
        self.visit_unit()
    }
}

enum Item {
    Typed(Object),
    /// An item without `kind` (API-server lists leave it out); typed once the list's kind is known.
    Untyped(serde_json::Map<String, serde_json::Value>),
}

struct ItemsSeed {
    hint: Option<String>,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed {
    type Value = Vec<Item>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Item>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed {
    type Value = Vec<Item>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of Kubernetes objects")
    }
    fn visit_unit<E>(self) -> Result<Vec<Item>, E> {
        Ok(Vec::new())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Item>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(ItemSeed {
            hint: self.hint.as_deref(),
        })? {
            items.push(item);
        }
        Ok(items)
    }
}

struct ItemSeed<'h> {
    hint: Option<&'h str>,
}

impl<'de> DeserializeSeed<'de> for ItemSeed<'_> {
    type Value = Item;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Item, D::Error> {
        match self.hint {
            // The list's kind names the items' kind: no need to look for `kind` in each item.
            Some(kind) => Ok(Item::Typed(object_of(kind, d)?)),
            None => d.deserialize_map(ItemVisitor),
        }
    }
}

struct ItemVisitor;

impl<'de> Visitor<'de> for ItemVisitor {
    type Value = Item;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Kubernetes object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item, A::Error> {
        // kubectl sorts keys, so an Event's `count`, `eventTime`, `firstTimestamp` and
        // `involvedObject` come before its `kind`: only those few are held, and the typed
        // deserializer reads them first and then the rest of the map as it streams.
        let mut before_kind = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "apiVersion" => {
                    map.next_value::<IgnoredAny>()?;
                }
                "kind" => {
                    let kind: String = map.next_value()?;
                    let rest = HeldThenRest {
                        held: before_kind.into_iter(),
                        value: None,
                        rest: map,
                    };
                    return Ok(Item::Typed(object_of(
                        &kind,
                        MapAccessDeserializer::new(rest),
                    )?));
                }
                _ => before_kind.push((key, map.next_value()?)),
            }
        }
        Ok(Item::Untyped(before_kind.into_iter().collect()))
    }
}

/// A map read partly ahead (the entries before `kind`) and partly still in the stream.
struct HeldThenRest<A> {
    held: std::vec::IntoIter<(String, serde_json::Value)>,
    /// The value of the held key just handed out.
    value: Option<serde_json::Value>,
    rest: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for HeldThenRest<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.held.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(IntoDeserializer::<A::Error>::into_deserializer(key))
                    .map(Some)
            }
            None => self.rest.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(value).map_err(serde::de::Error::custom),
            None => self.rest.next_value_seed(seed),
        }
    }
}
