//! Edit prompts through the same ops an agent sends. The director reads each clause; whole-video
//! clauses go to its recipe, clauses about one part become the exact op (resolved against the
//! current timeline, so "the rocket shot" is a real shot or a clear refusal), and anything else is
//! reported with the op that would do it. Nothing is guessed.

use super::ops::{EditOp, RoleArg, ShotRef as OpShot};
use super::shots::resolve_shot;
use crate::director::intent::narration::pick_recording;
use crate::director::{
    DirectorError, Edit, Exact, Reading, ShotRef, ShotWord, TextWhich, read_prompt,
};
use crate::edit::Library;
use crate::timeline::style::{Position, SizeStep, TextSize, TextStyle, Weight};
use crate::timeline::{TT_TEXT, TT_VIDEO, TextRole, Timeline, secs};
use serde_json::Value;

/// What an edit prompt asks for, clause by clause.
#[derive(Debug, Default)]
pub struct PromptPlan {
    /// Whole-video changes, for the director's recipe.
    pub recipe: Vec<Edit>,
    /// Exact ops, applied after the recipe.
    pub ops: Vec<EditOp>,
    /// The clause each op was read from (same order as `ops`).
    pub op_clauses: Vec<String>,
    /// One line per clause done: the clause and the op it became.
    pub read_as: Vec<String>,
    /// One line per clause not done: why, and what to send instead.
    pub not_done: Vec<String>,
}

impl PromptPlan {
    /// True when no clause asks for a change that can be made.
    pub fn is_empty(&self) -> bool {
        self.recipe.is_empty() && self.ops.is_empty()
    }
}

/// Read an edit prompt against the timeline it edits.
pub fn read(prompt: &str, current: &Timeline, lib: &Library) -> Result<PromptPlan, DirectorError> {
    let mut plan = PromptPlan::default();
    let mut history = Vec::new();
    for (clause, reading) in read_prompt(prompt)? {
        match reading {
            Reading::Filler => {}
            Reading::Recipe(edits) => {
                let ops: Vec<String> = edits.iter().map(|e| recipe_op(e, current)).collect();
                plan.read_as
                    .push(format!("\"{clause}\" → {}", ops.join(" + ")));
                plan.recipe.extend(edits);
            }
            Reading::Exact(e) => match to_ops(&e, current, lib) {
                Ok(ops) => {
                    if ops.iter().any(EditOp::is_history) {
                        history.push(clause.clone());
                    }
                    let said: Vec<String> = ops.iter().map(op_json).collect();
                    plan.read_as
                        .push(format!("\"{clause}\" → {}", said.join(" + ")));
                    plan.op_clauses.extend(ops.iter().map(|_| clause.clone()));
                    plan.ops.extend(ops);
                }
                Err(why) => plan.not_done.push(format!("\"{clause}\" was not done: {why}")),
            },
            Reading::Refusal(why) => {
                plan.not_done.push(format!("\"{clause}\" was not done: {why}"));
            }
            Reading::Unknown(hint) => plan.not_done.push(match hint {
                Some(op) => format!(
                    "\"{clause}\" was not understood; for a change to one part of the video send an exact edit, e.g. create_video {{\"edits\": [{op}]}}"
                ),
                None => format!(
                    "\"{clause}\" was not understood; say it another way (e.g. \"make it 15 seconds\", \"make the second shot 5 seconds\", \"change the title to …\", \"use calmer music\", \"move cat.jpg to the front\", \"undo\") or send exact edits (get_timeline lists the ids)"
                ),
            }),
        }
    }
    if !history.is_empty() && (plan.ops.len() > 1 || !plan.recipe.is_empty()) {
        return Err(DirectorError::NotUnderstood(format!(
            "\"{}\" moves through saved revisions, so it must be asked on its own; send it first, then the other changes",
            history.join("\", \"")
        )));
    }
    Ok(plan)
}

/// The ops that do an exact request on `tl`; Err says why it cannot be done.
fn to_ops(e: &Exact, tl: &Timeline, lib: &Library) -> Result<Vec<EditOp>, String> {
    let shot = |w: &ShotWord| shot_ref(w, tl, lib);
    Ok(match e {
        Exact::Narration(n) => {
            let mut ops = Vec::new();
            if let Some(on) = n.voiceover {
                // "slower narration" slows the voice-over there is (or asks for one).
                let speed = n.speed.map(|x| {
                    let now = tl
                        .meta
                        .voiceover
                        .as_ref()
                        .and_then(|v| v.speed)
                        .unwrap_or(1.0);
                    (now * x).clamp(0.5, 2.0)
                });
                // "use my recording as the voice-over": the uploaded audio it means.
                let music = tl.music().first().and_then(|m| m.media_id.as_deref());
                let media_id = match &n.recording {
                    Some(r) => Some(pick_recording(r, lib.media, music)?.id.clone()),
                    None => None,
                };
                ops.push(EditOp::SetVoiceover {
                    text: None,
                    voice: n.voice.clone(),
                    speed,
                    words_per_minute: None,
                    media_id,
                    file: None,
                    off: (!on).then_some(true),
                });
            }
            if let Some(style) = n.captions {
                ops.push(EditOp::SetCaptions { style });
            }
            if let Some(on) = n.beat_sync {
                ops.push(EditOp::SetBeatSync { on });
            }
            ops
        }
        Exact::ShotLength { shot: s, seconds } => vec![set_shot(shot(s)?, |op| {
            if let EditOp::SetShot { duration_s, .. } = op {
                *duration_s = Some(*seconds);
            }
        })],
        Exact::ShotMotion { shot: s, motion } => vec![set_shot(shot(s)?, |op| {
            if let EditOp::SetShot { motion: m, .. } = op {
                *m = Some(*motion);
            }
        })],
        Exact::MoveShot { shot: s, to } => vec![EditOp::MoveShot {
            shot: shot(s)?,
            to: place_of(*to, tl)?,
        }],
        Exact::RemoveShot(s) => vec![EditOp::RemoveShot { shot: shot(s)? }],
        Exact::SwapShots(a, b) => {
            let (a, b) = (shot_index(a, tl, lib)?, shot_index(b, tl, lib)?);
            if a == b {
                return Err("both names are the same shot".into());
            }
            let (lo, hi) = (a.min(b), a.max(b));
            let ids = tl.segments(TT_VIDEO);
            // Move the earlier one to the later one's place, then the later one (now one step
            // up) to the earlier place.
            vec![
                EditOp::MoveShot {
                    shot: OpShot::Name(ids[lo].id.clone()),
                    to: hi as u32 + 1,
                },
                EditOp::MoveShot {
                    shot: OpShot::Name(ids[hi].id.clone()),
                    to: lo as u32 + 1,
                },
            ]
        }
        Exact::TextOnShot { text, shot: s } => vec![EditOp::AddText {
            text: text.clone(),
            shot: Some(shot(s)?),
            start_s: None,
            end_s: None,
            role: Some(RoleArg::Caption),
            style: None,
        }],
        Exact::TextLength { role, seconds } => {
            let seg = text_of(tl, *role).ok_or_else(|| {
                format!("there is no {} to time; add one first", role_words(*role))
            })?;
            vec![EditOp::SetText {
                id: seg.id.clone(),
                text: None,
                start_s: None,
                end_s: Some(seg.start_ms as f64 / 1000.0 + seconds),
                style: None,
            }]
        }
        Exact::Badge { text, place } => vec![EditOp::AddText {
            text: text.clone(),
            shot: None,
            start_s: None,
            end_s: None,
            role: Some(RoleArg::Overlay),
            style: Some(TextStyle {
                position: Some(Position::Named(*place)),
                background: Some(true),
                ..Default::default()
            }),
        }],
        Exact::TextSize { which, bigger } => roles(*which, tl)?
            .into_iter()
            .map(|role| {
                let now = text_of(tl, role)
                    .and_then(|s| s.style.as_ref())
                    .and_then(|s| s.size);
                let size = match now {
                    Some(TextSize::Px(px)) if *bigger => TextSize::Px(px * 1.25),
                    Some(TextSize::Px(px)) => TextSize::Px(px * 0.8),
                    Some(TextSize::Named(s)) if *bigger => TextSize::Named(s.larger()),
                    Some(TextSize::Named(s)) => TextSize::Named(s.smaller()),
                    None if *bigger => TextSize::Named(SizeStep::Large),
                    None => TextSize::Named(SizeStep::Small),
                };
                set_style(
                    role,
                    TextStyle {
                        size: Some(size),
                        ..Default::default()
                    },
                )
            })
            .collect(),
        Exact::TextColor { which, color } => style_each(
            *which,
            tl,
            TextStyle {
                color: Some(color.clone()),
                ..Default::default()
            },
        )?,
        Exact::TextPlace { which, place } => style_each(
            *which,
            tl,
            TextStyle {
                position: Some(Position::Named(*place)),
                ..Default::default()
            },
        )?,
        Exact::TextWeight { which, bold } => style_each(
            *which,
            tl,
            TextStyle {
                weight: Some(if *bold { Weight::Bold } else { Weight::Normal }),
                ..Default::default()
            },
        )?,
        Exact::RemoveEndCard => {
            let seg = text_of(tl, TextRole::EndCard).ok_or("there is no end card")?;
            vec![EditOp::RemoveText { id: seg.id.clone() }]
        }
        Exact::Undo => vec![EditOp::Undo {}],
        Exact::Redo => vec![EditOp::Redo {}],
        Exact::Revert(revision) => vec![EditOp::Revert {
            revision: *revision,
        }],
    })
}

fn set_shot(shot: OpShot, fill: impl FnOnce(&mut EditOp)) -> EditOp {
    let mut op = EditOp::set_shot(shot);
    fill(&mut op);
    op
}

/// One set_style op per role the clause is about that has text.
fn style_each(which: TextWhich, tl: &Timeline, style: TextStyle) -> Result<Vec<EditOp>, String> {
    Ok(roles(which, tl)?
        .into_iter()
        .map(|role| set_style(role, style.clone()))
        .collect())
}

fn set_style(role: TextRole, style: TextStyle) -> EditOp {
    EditOp::SetStyle {
        role: role_arg(role),
        style,
    }
}

fn role_words(role: TextRole) -> &'static str {
    match role {
        TextRole::Title => "title",
        TextRole::Caption => "caption",
        TextRole::EndCard => "end card",
        TextRole::Overlay => "overlay",
    }
}

fn role_arg(role: TextRole) -> RoleArg {
    match role {
        TextRole::Caption => RoleArg::Caption,
        TextRole::Overlay => RoleArg::Overlay,
        TextRole::Title => RoleArg::Title,
        TextRole::EndCard => RoleArg::EndCard,
    }
}

/// The roles a style clause is about that the timeline has text for.
fn roles(which: TextWhich, tl: &Timeline) -> Result<Vec<TextRole>, String> {
    let present = |r: TextRole| text_of(tl, r).is_some();
    let all = [
        TextRole::Title,
        TextRole::Caption,
        TextRole::Overlay,
        TextRole::EndCard,
    ];
    let found: Vec<TextRole> = match which {
        TextWhich::Role(r) => vec![r].into_iter().filter(|r| present(*r)).collect(),
        TextWhich::All => all.into_iter().filter(|r| present(*r)).collect(),
    };
    if found.is_empty() {
        return Err(match which {
            TextWhich::Role(r) => format!("the video has no {} text to change", role_words(r)),
            TextWhich::All => "the video has no text to change".into(),
        });
    }
    Ok(found)
}

fn text_of(tl: &Timeline, role: TextRole) -> Option<&crate::timeline::Segment> {
    tl.segments(TT_TEXT).iter().find(|s| s.role == Some(role))
}

/// The shot a prompt names, as the op names it: a place as its position, a file as the shot's id.
fn shot_ref(w: &ShotWord, tl: &Timeline, lib: &Library) -> Result<OpShot, String> {
    let i = shot_index(w, tl, lib)?;
    Ok(match w {
        ShotWord::At(_) => OpShot::Position(i as u32 + 1),
        ShotWord::File(_) => OpShot::Name(tl.segments(TT_VIDEO)[i].id.clone()),
    })
}

fn shot_index(w: &ShotWord, tl: &Timeline, lib: &Library) -> Result<usize, String> {
    let f = match w {
        ShotWord::At(r) => return resolve_shot(tl, lib, &OpShot::Position(place_of(*r, tl)?)),
        ShotWord::File(f) => f,
    };
    // A name read out of Chinese may carry the words before it ("把猫.jpg"): try its tails.
    let tails = f
        .char_indices()
        .take_while(|(i, _)| f[..*i].chars().all(|c| !c.is_ascii()))
        .map(|(i, _)| &f[i..]);
    for tail in tails {
        if let Ok(i) = resolve_shot(tl, lib, &OpShot::Name(tail.to_string())) {
            return Ok(i);
        }
    }
    let said = f.trim_start_matches(|c: char| !c.is_ascii());
    let said = if said.is_empty() { f.as_str() } else { said };
    resolve_shot(tl, lib, &OpShot::Name(said.to_string()))
}

fn place_of(r: ShotRef, tl: &Timeline) -> Result<u32, String> {
    let n = tl.segments(TT_VIDEO).len() as u32;
    if n == 0 {
        return Err("the video has no shots".into());
    }
    Ok(match r {
        ShotRef::First => 1,
        ShotRef::Last => n,
        ShotRef::Nth(k) => k as u32,
    })
}

/// An op as the agent would write it: compact JSON without unset fields.
pub fn op_json(op: &EditOp) -> String {
    fn strip(v: Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.into_iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k, strip(v)))
                    .collect(),
            ),
            v => v,
        }
    }
    serde_json::to_value(op)
        .map(strip)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| op.name().to_string())
}

/// A whole-video change described as the op that would do the same.
fn recipe_op(e: &Edit, tl: &Timeline) -> String {
    let id = |role| text_of(tl, role).map_or("<id>".to_string(), |s| s.id.clone());
    match e {
        Edit::Duration(ms) => format!(r#"{{"op":"set_video","duration_s":{}}}"#, secs_num(*ms)),
        Edit::Aspect(a) => format!(r#"{{"op":"set_video","aspect":"{}"}}"#, a.as_str()),
        Edit::Resolution(r) => format!(r#"{{"op":"set_video","resolution":"{}"}}"#, r.as_str()),
        Edit::Transition(t) => {
            format!(r#"the "{t}" transition into every shot (set_shot transition)"#)
        }
        Edit::Music(false) => r#"{"op":"remove_music"}"#.into(),
        Edit::Music(true) => "music on (set_music)".into(),
        Edit::Mood(m) => format!(r#"{{"op":"set_music","mood":"{m}"}}"#),
        Edit::MusicVolume(v) => format!(r#"{{"op":"set_music","volume":{v}}}"#),
        Edit::MusicVolumeBy(f) => format!("music level ×{f} (set_music volume)"),
        Edit::Title(t) => {
            serde_json::json!({"op": "set_text", "id": id(TextRole::Title), "text": t}).to_string()
        }
        Edit::RemoveTitle => format!(r#"{{"op":"remove_text","id":"{}"}}"#, id(TextRole::Title)),
        Edit::Captions(on) => format!(
            "captions from the script {}",
            if *on { "on" } else { "off" }
        ),
        Edit::MoveShot { from, to } => format!(
            r#"{{"op":"move_shot","shot":{},"to":{}}}"#,
            place_text(*from, tl),
            place_text(*to, tl)
        ),
        Edit::RemoveShot(r) => format!(r#"{{"op":"remove_shot","shot":{}}}"#, place_text(*r, tl)),
        Edit::EndCard(t) => {
            serde_json::json!({"op": "set_text", "id": id(TextRole::EndCard), "text": t})
                .to_string()
        }
    }
}

fn place_text(r: ShotRef, tl: &Timeline) -> String {
    place_of(r, tl).map_or_else(|_| "?".into(), |n| n.to_string())
}

fn secs_num(ms: u64) -> String {
    secs(ms).trim_end_matches(" s").to_string()
}
