//! Tool schemas as an agent reads them: what to send, in as few tokens as the meaning allows.
//! Every client puts tools/list into the model's context, so schemars' verbose spellings are
//! folded away: no Rust type names as titles or `$schema` at the top, no non-JSON-Schema number formats
//! ("uint32", "double"; `minimum` already says "not negative"), no `"default": null` and no
//! explicit null alternatives (an optional field is simply left out), and fixed vocabularies as
//! a plain `enum` of their values rather than one `const` object per value (what each value
//! means stays, as one line of the enum's description).

use rmcp::model::JsonObject;
use serde_json::{Map, Value};

/// The schema with those spellings folded away.
pub fn tidy(schema: &JsonObject) -> JsonObject {
    let mut v = Value::Object(schema.clone());
    compact(&mut v);
    let Value::Object(mut top) = v else {
        unreachable!("an object stays an object")
    };
    top.remove("title");
    top.remove("description");
    // The dialect is MCP's default (2020-12); naming it in every tool only costs tokens.
    top.remove("$schema");
    top
}

fn compact(v: &mut Value) {
    match v {
        Value::Object(o) => {
            for child in o.values_mut() {
                compact(child);
            }
            compact_object(o);
        }
        Value::Array(a) => a.iter_mut().for_each(compact),
        _ => {}
    }
}

fn compact_object(o: &mut Map<String, Value>) {
    if o.get("default") == Some(&Value::Null) {
        o.remove("default");
    }
    if let Some(Value::String(f)) = o.get("format")
        && ["int", "uint", "double", "float"]
            .iter()
            .any(|p| f.starts_with(p))
    {
        o.remove("format");
    }
    // ["number", "null"] → "number".
    if let Some(Value::Array(types)) = o.get("type") {
        let kept: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        if kept.len() == 1 {
            o.insert("type".into(), kept[0].clone());
        }
    }
    // anyOf [X, {type: null}] → X's keys merged in.
    if let Some(Value::Array(alts)) = o.get("anyOf") {
        let kept: Vec<&Value> = alts.iter().filter(|a| !is_null_type(a)).collect();
        if kept.len() == 1
            && kept.len() < alts.len()
            && let Value::Object(inner) = kept[0].clone()
        {
            o.remove("anyOf");
            for (k, val) in inner {
                o.entry(k).or_insert(val);
            }
        }
    }
    // oneOf [{const: a}, {const: b}, …] → enum [a, b, …].
    if let Some(Value::Array(alts)) = o.get("oneOf")
        && !alts.is_empty()
        && alts.iter().all(is_string_const)
    {
        let values: Vec<Value> = alts.iter().map(|a| a["const"].clone()).collect();
        // What a value means is kept, folded into one line of the parent's description.
        let meanings: Vec<String> = alts
            .iter()
            .filter_map(|a| {
                Some(format!(
                    "{}: {}",
                    a["const"].as_str()?,
                    a["description"].as_str()?
                ))
            })
            .collect();
        if !meanings.is_empty() {
            let joined = meanings.join("; ");
            let text = match o.get("description").and_then(Value::as_str) {
                Some(d) => format!("{d} ({joined})"),
                None => joined,
            };
            o.insert("description".into(), Value::String(text));
        }
        o.remove("oneOf");
        o.insert("type".into(), Value::String("string".into()));
        o.insert("enum".into(), Value::Array(values));
    }
}

fn is_null_type(v: &Value) -> bool {
    v.get("type") == Some(&Value::String("null".into()))
        && v.as_object().is_some_and(|o| o.len() == 1)
}

/// `{"const": "x", "type": "string", "description": …}` and nothing else.
fn is_string_const(v: &Value) -> bool {
    let Some(o) = v.as_object() else {
        return false;
    };
    o.get("const").is_some_and(Value::is_string)
        && o.keys()
            .all(|k| matches!(k.as_str(), "const" | "type" | "description"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn verbose_spellings_fold_away_and_meaning_stays() {
        let schema = json!({
            "title": "CreateArgs",
            "description": "rust docs",
            "type": "object",
            "properties": {
                "n": {"type": ["integer", "null"], "format": "uint32", "minimum": 0, "default": null},
                "x": {"type": "number", "format": "double"},
                "motion": {"anyOf": [{"$ref": "#/$defs/Motion"}, {"type": "null"}], "default": null,
                           "description": "How it moves."},
                "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]}
            },
            "$defs": {"Motion": {"description": "Ken Burns.", "oneOf": [
                {"const": "zoom_in", "type": "string", "description": "Push in."},
                {"const": "none", "type": "string"}
            ]}, "Op": {"oneOf": [
                {"type": "object", "properties": {"op": {"const": "a", "type": "string"}}}
            ]}}
        });
        let Value::Object(o) = schema else { panic!() };
        let t = Value::Object(tidy(&o));
        assert_eq!(t.get("title"), None);
        assert_eq!(t.get("description"), None);
        assert_eq!(
            t["properties"]["n"],
            json!({"type": "integer", "minimum": 0})
        );
        assert_eq!(t["properties"]["x"], json!({"type": "number"}));
        assert_eq!(
            t["properties"]["motion"],
            json!({"$ref": "#/$defs/Motion", "description": "How it moves."})
        );
        // A real choice of types is kept.
        assert_eq!(
            t["properties"]["either"]["anyOf"].as_array().unwrap().len(),
            2
        );
        assert_eq!(
            t["$defs"]["Motion"],
            json!({"description": "Ken Burns. (zoom_in: Push in.)", "type": "string", "enum": ["zoom_in", "none"]})
        );
        // Tagged object variants are not a vocabulary.
        assert!(t["$defs"]["Op"]["oneOf"].is_array());
    }
}
