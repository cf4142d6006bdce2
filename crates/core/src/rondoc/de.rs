//! A serde deserializer over parsed RON nodes: type errors carry the field path and position of
//! the offending value, and unknown fields are collected (all of them) instead of stopping.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::parse::{Key, Node, Pos, Value, split_suffix};

/// One step of a field path: a struct field or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    /// `.name`
    Field(String),
    /// `[i]`
    Index(usize),
}

/// Where a value sits in the document, written `cranes[1].jib_length_m`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    /// The empty path (the document root).
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path with a field appended.
    pub fn field(&self, name: &str) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Field(name.to_string()));
        Self(v)
    }

    /// This path with a list index appended.
    pub fn index(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        Self(v)
    }

    /// Parses `a[1].b` back into a path (used by tests and lookups).
    pub fn parse(s: &str) -> Self {
        let mut segs = Vec::new();
        for part in s.split('.').filter(|p| !p.is_empty()) {
            let mut rest = part;
            if let Some(b) = rest.find('[') {
                if b > 0 {
                    segs.push(Seg::Field(rest[..b].to_string()));
                }
                rest = &rest[b..];
                while let Some(stripped) = rest.strip_prefix('[') {
                    let end = stripped.find(']').unwrap_or(stripped.len());
                    if let Ok(i) = stripped[..end].parse() {
                        segs.push(Seg::Index(i));
                    }
                    rest = stripped.get(end + 1..).unwrap_or("");
                }
            } else {
                segs.push(Seg::Field(rest.to_string()));
            }
        }
        Self(segs)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return write!(f, "(document)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Field(name) if i == 0 => write!(f, "{name}")?,
                Seg::Field(name) => write!(f, ".{name}")?,
                Seg::Index(k) => write!(f, "[{k}]")?,
            }
        }
        Ok(())
    }
}

/// A decoding problem: what is wrong, at which field path, at which position.
#[derive(Debug, Clone, PartialEq)]
pub struct DeError {
    /// What is wrong, in words.
    pub message: String,
    /// The field path of the value concerned.
    pub path: FieldPath,
    /// Where the value starts in the text.
    pub pos: Option<Pos>,
}

impl DeError {
    fn at(message: impl Into<String>, path: &FieldPath, pos: Pos) -> Self {
        Self { message: message.into(), path: path.clone(), pos: Some(pos) }
    }

    /// Fills in the path and position if the error does not have them yet (errors raised by serde's
    /// own visitors, such as a missing field, know neither).
    fn locate(mut self, path: &FieldPath, pos: Pos) -> Self {
        if self.pos.is_none() {
            self.pos = Some(pos);
            self.path = path.clone();
        }
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self { message: msg.to_string(), path: FieldPath::root(), pos: None }
    }

    fn missing_field(field: &'static str) -> Self {
        Self::custom(format_args!("missing field `{field}`"))
    }
}

/// Problems that do not stop decoding (unknown fields), shared by all deserializers of a document.
pub type Sink = Rc<RefCell<Vec<DeError>>>;

/// Decodes `T` from a node. Unknown fields are pushed to `sink` and skipped.
pub fn from_node<T: de::DeserializeOwned>(node: &Node, path: &FieldPath, sink: &Sink) -> Result<T, DeError> {
    T::deserialize(NodeDe { node, path: path.clone(), sink: sink.clone() })
}

struct NodeDe<'n> {
    node: &'n Node,
    path: FieldPath,
    sink: Sink,
}

impl<'n> NodeDe<'n> {
    fn err(&self, message: impl Into<String>) -> DeError {
        DeError::at(message, &self.path, self.node.pos)
    }

    fn expected(&self, what: &str) -> DeError {
        self.err(format!("expected {what}, found {}", self.node.value.describe()))
    }

    /// The digits of a number literal whose type suffix, if any, is `ty` (`1u8` is only a u8).
    fn digits(&self, ty: &str, what: &str) -> Result<&'n str, DeError> {
        let Value::Number(text) = &self.node.value else { return Err(self.expected(what)) };
        match split_suffix(text) {
            (_, Some(suffix)) if suffix != ty => {
                Err(self.err(format!("expected {what}, found the number {text}, which its suffix makes a {suffix}")))
            }
            (digits, _) => Ok(digits),
        }
    }

    fn number<T: std::str::FromStr>(&self, ty: &str, what: &str) -> Result<T, DeError> {
        let digits = self.digits(ty, what)?;
        digits.parse::<T>().map_err(|_| self.expected(what))
    }

    /// A float of type `ty` (`f32` or `f64`).
    fn float(&self, ty: &str) -> Result<f64, DeError> {
        match &self.node.value {
            Value::Number(_) => self.digits(ty, "a number")?.parse::<f64>().map_err(|_| self.expected("a number")),
            Value::Ident(id) => match id.as_str() {
                "inf" | "+inf" => Ok(f64::INFINITY),
                "-inf" => Ok(f64::NEG_INFINITY),
                "NaN" | "+NaN" | "-NaN" => Ok(f64::NAN),
                _ => Err(self.expected("a number")),
            },
            _ => Err(self.expected("a number")),
        }
    }

    fn child(&self, node: &'n Node, path: FieldPath) -> NodeDe<'n> {
        NodeDe { node, path, sink: self.sink.clone() }
    }
}

macro_rules! int_methods {
    ($($method:ident $visit:ident $t:ty, $what:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            let v: $t = self.number(stringify!($t), $what)?;
            visitor.$visit(v).map_err(|e: DeError| e.locate(&self.path, self.node.pos))
        }
    )*};
}

impl<'de, 'n> de::Deserializer<'de> for NodeDe<'n> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let (path, pos) = (self.path.clone(), self.node.pos);
        let r = match &self.node.value {
            Value::Unit => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(t) => match split_suffix(t) {
                (_, Some(ty)) if ty.starts_with('f') => visitor.visit_f64(self.float(ty)?),
                (digits, suffix) => {
                    if let Ok(i) = digits.parse::<i64>() {
                        visitor.visit_i64(i)
                    } else if let Ok(u) = digits.parse::<u64>() {
                        visitor.visit_u64(u)
                    } else if suffix.is_none() {
                        visitor.visit_f64(self.float("f64")?)
                    } else {
                        Err(self.expected("a whole number"))
                    }
                }
            },
            Value::Str(s) => visitor.visit_str(s),
            Value::Char(c) => visitor.visit_char(*c),
            Value::Ident(id) if id == "None" => visitor.visit_none(),
            Value::Ident(id) => match self.float("f64") {
                Ok(f) => visitor.visit_f64(f),
                Err(_) => visitor.visit_str(id),
            },
            Value::List(items) | Value::Tuple { items, .. } => {
                visitor.visit_seq(Seq { items: items.iter(), de: &self, index: 0 })
            }
            Value::Map(entries) => visitor.visit_map(MapEntries { entries: entries.iter(), de: &self, value: None }),
            Value::Struct { fields, .. } => {
                visitor.visit_map(StructFields { fields: fields.iter(), de: &self, value: None, known: None })
            }
        };
        r.map_err(|e| e.locate(&path, pos))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node.value {
            Value::Bool(b) => visitor.visit_bool(b),
            _ => Err(self.expected("`true` or `false`")),
        }
    }

    int_methods! {
        deserialize_i8 visit_i8 i8, "a whole number";
        deserialize_i16 visit_i16 i16, "a whole number";
        deserialize_i32 visit_i32 i32, "a whole number";
        deserialize_i64 visit_i64 i64, "a whole number";
        deserialize_u8 visit_u8 u8, "a whole number from 0 to 255";
        deserialize_u16 visit_u16 u16, "a whole number from 0 to 65535";
        deserialize_u32 visit_u32 u32, "a whole number, zero or more";
        deserialize_u64 visit_u64 u64, "a whole number, zero or more";
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_f32(self.float("f32")? as f32)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_f64(self.float("f64")?)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Char(c) => visitor.visit_char(*c),
            _ => Err(self.expected("a character")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Str(s) => visitor.visit_str(s).map_err(|e: DeError| e.locate(&self.path, self.node.pos)),
            _ => Err(self.expected("a string in double quotes")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    /// `None`, `Some(x)`, or (implicit `Some`) a bare `x`.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Ident(id) if id == "None" => visitor.visit_none(),
            Value::Tuple { name: Some(n), items } if n == "Some" => {
                if items.len() != 1 {
                    return Err(self.err("`Some(...)` takes exactly one value"));
                }
                visitor.visit_some(self.child(&items[0], self.path.clone()))
            }
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node.value {
            Value::Unit => visitor.visit_unit(),
            _ => Err(self.expected("`()`")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Unit | Value::Ident(_) => visitor.visit_unit(),
            _ => Err(self.expected("`()`")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Tuple { items, .. } if items.len() == 1 => {
                visitor.visit_newtype_struct(self.child(&items[0], self.path.clone()))
            }
            _ => visitor.visit_newtype_struct(self),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match &self.node.value {
            Value::List(items) | Value::Tuple { name: None, items } => {
                visitor.visit_seq(Seq { items: items.iter(), de: &self, index: 0 })
            }
            _ => return Err(self.expected("a list `[...]`")),
        };
        r.map_err(|e| e.locate(&self.path, self.node.pos))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, DeError> {
        let items = match &self.node.value {
            Value::List(items) | Value::Tuple { items, .. } => items,
            _ => return Err(self.expected(&format!("a tuple of {len} values `(...)`"))),
        };
        if items.len() != len {
            return Err(self.err(format!("expected {len} values, found {}", items.len())));
        }
        visitor
            .visit_seq(Seq { items: items.iter(), de: &self, index: 0 })
            .map_err(|e| e.locate(&self.path, self.node.pos))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match &self.node.value {
            Value::Map(entries) => visitor.visit_map(MapEntries { entries: entries.iter(), de: &self, value: None }),
            Value::Struct { fields, .. } => {
                visitor.visit_map(StructFields { fields: fields.iter(), de: &self, value: None, known: None })
            }
            Value::Unit => visitor.visit_map(MapEntries { entries: [].iter(), de: &self, value: None }),
            _ => return Err(self.expected("a map `{...}`")),
        };
        r.map_err(|e| e.locate(&self.path, self.node.pos))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        known: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let fields: &[(Key, Node)] = match &self.node.value {
            Value::Struct { name: written, fields } => {
                if let Some(w) = written
                    && w != name
                {
                    return Err(self.err(format!("expected `{name}(...)`, found `{w}(...)`")));
                }
                fields
            }
            Value::Unit => &[],
            Value::Tuple { name: written, items } if items.is_empty() => {
                if let Some(w) = written
                    && w != name
                {
                    return Err(self.err(format!("expected `{name}(...)`, found `{w}(...)`")));
                }
                &[]
            }
            _ => return Err(self.expected(&format!("a struct `(field: value, ...)` for {name}"))),
        };
        visitor
            .visit_map(StructFields { fields: fields.iter(), de: &self, value: None, known: Some(known) })
            .map_err(|e| e.locate(&self.path, self.node.pos))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let variant = match &self.node.value {
            Value::Ident(id) => id.as_str(),
            Value::Tuple { name: Some(n), .. } | Value::Struct { name: Some(n), .. } => n.as_str(),
            Value::Str(s) => s.as_str(),
            _ => {
                return Err(self.expected(&format!("one of {} for {name}", list_names(variants))));
            }
        };
        if !variants.contains(&variant) {
            return Err(self.err(format!(
                "unknown {name} `{variant}`, expected one of {}{}",
                list_names(variants),
                did_you_mean(variant, variants)
            )));
        }
        visitor
            .visit_enum(Enum { de: &self, variant: variant.to_string() })
            .map_err(|e| e.locate(&self.path, self.node.pos))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Ident(s) | Value::Str(s) => visitor.visit_str(s),
            _ => Err(self.expected("a name")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

fn list_names(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// ", did you mean `x`?" when a known name is within a small edit distance of what was written.
pub fn did_you_mean(written: &str, known: &[&str]) -> String {
    let best =
        known.iter().map(|k| (edit_distance(&written.to_lowercase(), &k.to_lowercase()), *k)).min_by_key(|(d, _)| *d);
    match best {
        Some((d, k)) if d <= 3.max(written.len() / 3) && d < written.len() => format!(" (did you mean `{k}`?)"),
        _ => String::new(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

struct Seq<'a, 'n> {
    items: std::slice::Iter<'n, Node>,
    de: &'a NodeDe<'n>,
    index: usize,
}

impl<'de, 'a, 'n> de::SeqAccess<'de> for Seq<'a, 'n> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        let Some(node) = self.items.next() else { return Ok(None) };
        let path = self.de.path.index(self.index);
        self.index += 1;
        let pos = node.pos;
        seed.deserialize(self.de.child(node, path.clone())).map(Some).map_err(|e| e.locate(&path, pos))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapEntries<'a, 'n> {
    entries: std::slice::Iter<'n, (Node, Node)>,
    de: &'a NodeDe<'n>,
    value: Option<(&'n Node, FieldPath)>,
}

impl<'de, 'a, 'n> de::MapAccess<'de> for MapEntries<'a, 'n> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        let Some((k, v)) = self.entries.next() else { return Ok(None) };
        let label = match &k.value {
            Value::Str(s) | Value::Ident(s) | Value::Number(s) => s.clone(),
            other => other.describe(),
        };
        let path = self.de.path.field(&label);
        self.value = Some((v, path.clone()));
        seed.deserialize(self.de.child(k, path.clone())).map(Some).map_err(|e| e.locate(&path, k.pos))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some((node, path)) = self.value.take() else {
            return Err(self.de.err("map value requested before its key"));
        };
        let pos = node.pos;
        seed.deserialize(self.de.child(node, path.clone())).map_err(|e| e.locate(&path, pos))
    }
}

struct StructFields<'a, 'n> {
    fields: std::slice::Iter<'n, (Key, Node)>,
    de: &'a NodeDe<'n>,
    value: Option<(&'n Node, FieldPath)>,
    known: Option<&'static [&'static str]>,
}

impl<'de, 'a, 'n> de::MapAccess<'de> for StructFields<'a, 'n> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        for (key, node) in self.fields.by_ref() {
            let path = self.de.path.field(&key.name);
            if let Some(known) = self.known
                && !known.contains(&key.name.as_str())
            {
                let hint = did_you_mean(&key.name, known);
                self.de.sink.borrow_mut().push(DeError::at(
                    format!("unknown field `{}`, expected one of {}{hint}", key.name, list_names(known)),
                    &path,
                    key.pos,
                ));
                continue;
            }
            self.value = Some((node, path.clone()));
            let key_de: de::value::StrDeserializer<'_, DeError> = key.name.as_str().into_deserializer();
            return seed.deserialize(key_de).map(Some).map_err(|e| e.locate(&path, key.pos));
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some((node, path)) = self.value.take() else {
            return Err(self.de.err("struct value requested before its field name"));
        };
        let pos = node.pos;
        seed.deserialize(self.de.child(node, path.clone())).map_err(|e| e.locate(&path, pos))
    }
}

struct Enum<'a, 'n> {
    de: &'a NodeDe<'n>,
    variant: String,
}

impl<'de, 'a, 'n> de::EnumAccess<'de> for Enum<'a, 'n> {
    type Error = DeError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), DeError> {
        let key_de: de::value::StrDeserializer<'_, DeError> = self.variant.as_str().into_deserializer();
        let v = seed.deserialize(key_de)?;
        Ok((v, self))
    }
}

impl<'de, 'a, 'n> de::VariantAccess<'de> for Enum<'a, 'n> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        match &self.de.node.value {
            Value::Ident(_) | Value::Str(_) => Ok(()),
            Value::Tuple { items, .. } if items.is_empty() => Ok(()),
            _ => Err(self.de.err(format!("`{}` takes no values; write it alone", self.variant))),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        match &self.de.node.value {
            Value::Tuple { items, .. } if items.len() == 1 => {
                seed.deserialize(self.de.child(&items[0], self.de.path.clone()))
            }
            // `Variant(field: ...)` for a newtype around a struct.
            Value::Struct { fields, .. } => {
                let inner = Node { value: Value::Struct { name: None, fields: fields.clone() }, pos: self.de.node.pos };
                seed.deserialize(NodeDe { node: &inner, path: self.de.path.clone(), sink: self.de.sink.clone() })
            }
            _ => Err(self.de.err(format!("`{}` takes one value: `{}(...)`", self.variant, self.variant))),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, DeError> {
        match &self.de.node.value {
            Value::Tuple { items, .. } if items.len() == len => {
                visitor.visit_seq(Seq { items: items.iter(), de: self.de, index: 0 })
            }
            _ => Err(self.de.err(format!("`{}` takes {len} values: `{}(...)`", self.variant, self.variant))),
        }
    }

    fn struct_variant<V: Visitor<'de>>(self, known: &'static [&'static str], visitor: V) -> Result<V::Value, DeError> {
        match &self.de.node.value {
            Value::Struct { fields, .. } => {
                visitor.visit_map(StructFields { fields: fields.iter(), de: self.de, value: None, known: Some(known) })
            }
            Value::Tuple { items, .. } if items.is_empty() => {
                visitor.visit_map(StructFields { fields: [].iter(), de: self.de, value: None, known: Some(known) })
            }
            _ => Err(self.de.err(format!(
                "`{}` takes named fields: `{}({}: ...)`",
                self.variant,
                self.variant,
                known.first().copied().unwrap_or("field")
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Crane {
        id: String,
        jib_length_m: f64,
        #[serde(default)]
        note: Option<String>,
        kind: Kind,
        pos: [f64; 3],
    }

    #[derive(Debug, Deserialize, PartialEq)]
    enum Kind {
        Flat,
        Luffing { max_angle_deg: f64 },
        Chart(Vec<(f64, f64)>),
    }

    fn decode<T: de::DeserializeOwned>(text: &str) -> (Result<T, DeError>, Vec<DeError>) {
        let node = parse(text).unwrap();
        let sink = Sink::default();
        let r = from_node::<T>(&node, &FieldPath::root().field("cranes").index(1), &sink);
        let extra = sink.borrow().clone();
        (r, extra)
    }

    #[test]
    fn decodes_structs_enums_and_implicit_some() {
        let (r, extra) = decode::<Crane>(
            "(id: \"TC1\", jib_length_m: 55, note: \"north\", kind: Luffing(max_angle_deg: 85), pos: (1, 2, 3))",
        );
        assert!(extra.is_empty());
        let c = r.unwrap();
        assert_eq!(c.note.as_deref(), Some("north"));
        assert_eq!(c.kind, Kind::Luffing { max_angle_deg: 85.0 });
        let (r, _) = decode::<Crane>("(id: \"TC1\", jib_length_m: 5, kind: Chart([(2.5, 6.0)]), pos: [0,0,0])");
        assert_eq!(r.unwrap().kind, Kind::Chart(vec![(2.5, 6.0)]));
    }

    #[test]
    fn type_errors_name_the_path_and_position() {
        let (r, _) = decode::<Crane>("(\n id: \"TC1\",\n jib_length_m: \"long\",\n kind: Flat, pos: (0,0,0))");
        let e = r.unwrap_err();
        assert_eq!(e.path.to_string(), "cranes[1].jib_length_m");
        assert_eq!(e.pos, Some(Pos { line: 3, column: 16 }));
        assert!(e.message.contains("expected a number, found the string \"long\""), "{e}");
    }

    #[test]
    fn missing_fields_point_at_the_struct() {
        let (r, _) = decode::<Crane>("(id: \"TC1\", kind: Flat, pos: (0,0,0))");
        let e = r.unwrap_err();
        assert_eq!(e.message, "missing field `jib_length_m`");
        assert_eq!(e.path.to_string(), "cranes[1]");
        assert_eq!(e.pos, Some(Pos { line: 1, column: 1 }));
    }

    #[test]
    fn unknown_fields_are_all_collected_with_suggestions() {
        let (r, extra) =
            decode::<Crane>("(id: \"A\", jib_lenght_m: 3, jib_length_m: 4, colour: 1, kind: Flat, pos: (0,0,0))");
        assert!(r.is_ok());
        assert_eq!(extra.len(), 2);
        assert!(extra[0].message.contains("did you mean `jib_length_m`"), "{}", extra[0]);
        assert_eq!(extra[1].path.to_string(), "cranes[1].colour");
    }

    #[test]
    fn unknown_variants_and_wrong_tuple_sizes() {
        let (r, _) = decode::<Crane>("(id: \"A\", jib_length_m: 4, kind: Flatt, pos: (0,0,0))");
        let e = r.unwrap_err();
        assert!(e.message.contains("unknown Kind `Flatt`"), "{e}");
        assert!(e.message.contains("did you mean `Flat`"), "{e}");
        assert_eq!(e.path.to_string(), "cranes[1].kind");
        let (r, _) = decode::<Crane>("(id: \"A\", jib_length_m: 4, kind: Flat, pos: (0,0))");
        let e = r.unwrap_err();
        assert_eq!(e.path.to_string(), "cranes[1].pos");
        assert!(e.message.contains("expected 3 values, found 2"), "{e}");
    }

    #[test]
    fn non_finite_literals_decode_as_floats() {
        let (r, _) = decode::<Crane>("(id: \"A\", jib_length_m: NaN, kind: Flat, pos: (inf, -inf, 0))");
        let c = r.unwrap();
        assert!(c.jib_length_m.is_nan());
        assert_eq!(c.pos[1], f64::NEG_INFINITY);
    }

    #[test]
    fn field_paths_round_trip() {
        let p = FieldPath::parse("cranes[1].load_chart[0].radius_m");
        assert_eq!(p.to_string(), "cranes[1].load_chart[0].radius_m");
    }
}
