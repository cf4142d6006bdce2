//! RON documents with positions: parse once, decode each part separately so that one bad list
//! element does not hide the problems in the others, and find any field path's line and column.

mod de;
mod parse;

use std::collections::BTreeMap;

pub use de::{DeError, FieldPath, Seg, Sink, did_you_mean, from_node};
pub use parse::{Key, Node, Pos, SyntaxError, Value, parse};

/// Maps every field path in a document to the position of its value.
#[derive(Debug, Default, Clone)]
pub struct PathIndex(BTreeMap<FieldPath, Pos>);

impl PathIndex {
    /// Indexes every value under `root`.
    pub fn build(root: &Node) -> Self {
        let mut map = BTreeMap::new();
        walk(root, FieldPath::root(), &mut map);
        Self(map)
    }

    /// The position of the value at `path`, or of its nearest indexed ancestor.
    pub fn find(&self, path: &FieldPath) -> Option<Pos> {
        let mut p = path.clone();
        loop {
            if let Some(pos) = self.0.get(&p) {
                return Some(*pos);
            }
            p.0.pop()?;
        }
    }
}

fn walk(node: &Node, path: FieldPath, map: &mut BTreeMap<FieldPath, Pos>) {
    map.insert(path.clone(), node.pos);
    match &node.value {
        Value::List(items) => {
            for (i, n) in items.iter().enumerate() {
                walk(n, path.index(i), map);
            }
        }
        // `Some(x)` is transparent: x sits at the same path.
        Value::Tuple { name: Some(n), items } if n == "Some" && items.len() == 1 => {
            walk(&items[0], path, map);
        }
        Value::Tuple { items, .. } => {
            for (i, n) in items.iter().enumerate() {
                walk(n, path.index(i), map);
            }
        }
        Value::Struct { fields, .. } => {
            for (k, v) in fields {
                walk(v, path.field(&k.name), map);
            }
        }
        Value::Map(entries) => {
            for (k, v) in entries {
                if let Value::Str(s) | Value::Ident(s) = &k.value {
                    walk(v, path.field(s), map);
                }
            }
        }
        _ => {}
    }
}

/// Decodes the top-level struct of a document field by field, collecting every problem.
pub struct DocDecoder<'a> {
    root: &'a Node,
    fields: Vec<(&'a Key, &'a Node)>,
    used: Vec<&'static str>,
    sink: Sink,
    errors: Vec<DeError>,
}

impl<'a> DocDecoder<'a> {
    /// Starts decoding `root`, which must be a struct named `name` (or unnamed).
    pub fn new(root: &'a Node, name: &str) -> Result<Self, DeError> {
        let fields = match &root.value {
            Value::Struct { name: written, fields } => {
                if let Some(w) = written
                    && w != name
                {
                    return Err(DeError {
                        message: format!("expected `{name}(...)`, found `{w}(...)`"),
                        path: FieldPath::root(),
                        pos: Some(root.pos),
                    });
                }
                fields.iter().map(|(k, v)| (k, v)).collect()
            }
            other => {
                return Err(DeError {
                    message: format!("expected `{name}(field: value, ...)`, found {}", other.describe()),
                    path: FieldPath::root(),
                    pos: Some(root.pos),
                });
            }
        };
        Ok(Self { root, fields, used: Vec::new(), sink: Sink::default(), errors: Vec::new() })
    }

    fn node(&mut self, field: &'static str) -> Option<&'a Node> {
        self.used.push(field);
        let mut found = None;
        for (k, v) in &self.fields {
            if k.name == field {
                if found.is_some() {
                    self.errors.push(DeError {
                        message: format!("field `{field}` is given twice"),
                        path: FieldPath::root().field(field),
                        pos: Some(k.pos),
                    });
                } else {
                    found = Some(*v);
                }
            }
        }
        found
    }

    /// A field that must be present.
    pub fn required<T: serde::de::DeserializeOwned>(&mut self, field: &'static str) -> Option<T> {
        let Some(node) = self.node(field) else {
            self.errors.push(DeError {
                message: format!("missing field `{field}`"),
                path: FieldPath::root(),
                pos: Some(self.root.pos),
            });
            return None;
        };
        self.decode(node, FieldPath::root().field(field))
    }

    /// A field that may be absent (then `T::default()`).
    pub fn optional<T: serde::de::DeserializeOwned + Default>(&mut self, field: &'static str) -> T {
        match self.node(field) {
            Some(node) => self.decode(node, FieldPath::root().field(field)).unwrap_or_default(),
            None => T::default(),
        }
    }

    /// A list field decoded element by element: bad elements are reported and left out, the good
    /// ones are kept. Absent means empty.
    pub fn list<T: serde::de::DeserializeOwned>(&mut self, field: &'static str) -> Vec<T> {
        let Some(node) = self.node(field) else { return Vec::new() };
        let path = FieldPath::root().field(field);
        let Value::List(items) = &node.value else {
            self.errors.push(DeError {
                message: format!("expected a list `[...]`, found {}", node.value.describe()),
                path,
                pos: Some(node.pos),
            });
            return Vec::new();
        };
        items.iter().enumerate().filter_map(|(i, item)| self.decode(item, path.index(i))).collect()
    }

    fn decode<T: serde::de::DeserializeOwned>(&mut self, node: &Node, path: FieldPath) -> Option<T> {
        match from_node::<T>(node, &path, &self.sink) {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    /// Ends decoding: reports fields that no call asked for, and returns every problem found.
    pub fn finish(mut self) -> Vec<DeError> {
        let known: Vec<&str> = self.used.clone();
        for (k, _) in &self.fields {
            if !known.contains(&k.name.as_str()) {
                let names = known.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
                self.errors.push(DeError {
                    message: format!(
                        "unknown field `{}`, expected one of {names}{}",
                        k.name,
                        did_you_mean(&k.name, &known)
                    ),
                    path: FieldPath::root().field(&k.name),
                    pos: Some(k.pos),
                });
            }
        }
        let mut all = self.sink.borrow().clone();
        all.append(&mut self.errors);
        all.sort_by_key(|e| e.pos);
        all
    }
}

#[cfg(test)]
mod tests;
