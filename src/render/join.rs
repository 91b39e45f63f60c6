//! Joining the shots of one window into one stream: cuts by concat, transitions by xfade over
//! only the frames the two shots share.
//!
//! xfade touches every frame that passes through it (ffmpeg 5.1: ~2 ms a 1080p frame, whole
//! shots included), so a chain of xfades over whole shots cost more than drawing the shots. Each
//! shot is instead split into its head (under the transition in), body and tail (under the
//! transition out); only a tail and the next head go through xfade, and one concat joins the
//! pieces in order. Frames are shared between split's outputs, never copied.

use crate::timeline::TransitionKind;
use std::fmt::Write as _;

/// One shot's frames in the window, as a labelled stream of the graph.
#[derive(Debug, Clone)]
pub(crate) struct Part<'a> {
    /// The shot's index in the video track (names its pieces).
    pub index: usize,
    /// Its stream's label, without brackets.
    pub label: String,
    /// Frames of it inside the window.
    pub frames: u64,
    /// Frames shared with the part before (0 for a cut or the window's first part).
    pub overlap_in: u64,
    /// How it enters, when `overlap_in > 0`.
    pub transition: Option<&'a TransitionKind>,
}

/// Write the filters joining `parts` (in time order) and return the joined stream's label.
pub(crate) fn join(graph: &mut String, parts: &[Part<'_>], fps: u32) -> String {
    let overlap_in = |j: usize| -> u64 {
        match parts.get(j) {
            Some(p) if j > 0 && p.transition.is_some() => p.overlap_in,
            _ => 0,
        }
    };
    if parts.len() == 1 {
        return parts[0].label.clone();
    }
    // A shot shorter than its two transitions has no body of its own; chain whole shots then.
    if (0..parts.len()).any(|j| overlap_in(j) + overlap_in(j + 1) > parts[j].frames) {
        return chain(graph, parts, fps);
    }
    let mut pieces = Vec::new();
    for (j, p) in parts.iter().enumerate() {
        let (head, tail) = (overlap_in(j), overlap_in(j + 1));
        let body = p.frames - head - tail;
        let cuts = [
            (head, 0, head, "jh"),
            (body, head, head + body, "jb"),
            (tail, head + body, p.frames, "jt"),
        ];
        let outs: Vec<_> = cuts.iter().filter(|c| c.0 > 0).collect();
        let _ = write!(graph, "[{}]split={}", p.label, outs.len());
        for c in &outs {
            let _ = write!(graph, "[{}s{}]", c.3, p.index);
        }
        graph.push(';');
        for &&(_, from, to, name) in &outs {
            // Both sides of a transition repeat their last frame once: ffmpeg 5.1's xfade drops
            // the last blended frame when its inputs end with the transition, and hangs when
            // the second ends first. Its output is cut back to the transition's length.
            let pad = if name == "jb" {
                ""
            } else {
                ",tpad=stop=1:stop_mode=clone"
            };
            let _ = write!(
                graph,
                "[{name}s{i}]trim=start_frame={from}:end_frame={to},setpts=PTS-STARTPTS{pad}[{name}{i}];",
                i = p.index
            );
        }
        if head > 0 {
            let prev = parts[j - 1].index;
            let kind = p.transition.expect("a head comes from a transition");
            let i = p.index;
            let opts = format!("duration={:.4}:offset=0", head as f64 / fps as f64);
            transition(
                graph,
                (&format!("jt{prev}"), &format!("jh{i}")),
                kind,
                &opts,
            );
            let _ = write!(graph, "trim=end_frame={head}[jx{i}];");
            pieces.push(format!("jx{}", p.index));
        }
        if body > 0 {
            pieces.push(format!("jb{}", p.index));
        }
    }
    for piece in &pieces {
        let _ = write!(graph, "[{piece}]");
    }
    let _ = write!(
        graph,
        "concat=n={}:v=1:a=0,settb=1/{fps}[joined];",
        pieces.len()
    );
    "joined".into()
}

/// Write the transition `kind` from `[a]` into `[b]` (xfade options `opts`), ending in a filter
/// chain the caller continues (with a comma-free filter and its output label).
///
/// A fade blends the planes of the yuv420p frames one by one, as grey pictures. ffmpeg 5.1's
/// xfade takes only 4:4:4 formats: converting both sides' frames up and the result back cost
/// more than the blend itself, and each conversion kept a pool of 4:4:4 frames (~20 MB a
/// transition at 1080p). The blend is per pixel, so each plane blends exactly as it would
/// have, without resampling the colour. Other transitions draw shapes, noise or colours that
/// must agree across planes, so they stay on 4:4:4.
fn transition(graph: &mut String, (a, b): (&str, &str), kind: &TransitionKind, opts: &str) {
    if *kind != TransitionKind::Fade {
        let _ = write!(graph, "[{a}][{b}]xfade=transition={kind}:{opts},");
        return;
    }
    let _ = write!(
        graph,
        "[{a}]extractplanes=y+u+v[{a}y][{a}u][{a}v];[{b}]extractplanes=y+u+v[{b}y][{b}u][{b}v];"
    );
    for p in ['y', 'u', 'v'] {
        let _ = write!(
            graph,
            "[{a}{p}][{b}{p}]xfade=transition=fade:{opts}[{a}x{b}{p}];"
        );
    }
    let _ = write!(
        graph,
        "[{a}x{b}y][{a}x{b}u][{a}x{b}v]mergeplanes=0x001020:yuv420p,"
    );
}

/// Join whole shots pairwise: xfade over both shots where they overlap, concat where they cut.
fn chain(graph: &mut String, parts: &[Part<'_>], fps: u32) -> String {
    let mut cur = parts[0].label.clone();
    let mut cur_frames = parts[0].frames;
    for p in &parts[1..] {
        let next = format!("x{}", p.index);
        match p.transition {
            Some(kind) if p.overlap_in > 0 => {
                let offset = (cur_frames - p.overlap_in) as f64 / fps as f64;
                let dur = p.overlap_in as f64 / fps as f64;
                let opts = format!("duration={dur:.4}:offset={offset:.4}");
                transition(graph, (&cur, &p.label), kind, &opts);
                let _ = write!(graph, "null[{next}];");
                cur_frames = cur_frames + p.frames - p.overlap_in;
            }
            _ => {
                let _ = write!(
                    graph,
                    "[{cur}][{label}]concat=n=2:v=1:a=0,settb=1/{fps}[{next}];",
                    label = p.label
                );
                cur_frames += p.frames;
            }
        }
        cur = next;
    }
    cur
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(index: usize, frames: u64, overlap_in: u64, t: Option<&TransitionKind>) -> Part<'_> {
        Part {
            index,
            label: format!("v{index}"),
            frames,
            overlap_in,
            transition: t,
        }
    }

    #[test]
    fn only_the_shared_frames_go_through_xfade() {
        let fade = TransitionKind::Fade;
        let mut g = String::new();
        let out = join(
            &mut g,
            &[
                part(0, 90, 0, None),
                part(1, 90, 15, Some(&fade)),
                part(2, 60, 0, None),
            ],
            30,
        );
        assert_eq!(out, "joined");
        // Shot 0: body 75 + tail 15; shot 1: head 15 + body 75; shot 2 (a cut): body only.
        assert!(g.contains("[v0]split=2[jbs0][jts0];"), "{g}");
        assert!(
            g.contains("trim=start_frame=0:end_frame=75,setpts=PTS-STARTPTS[jb0]"),
            "{g}"
        );
        assert!(
            g.contains("trim=start_frame=75:end_frame=90,setpts=PTS-STARTPTS,tpad=stop=1:stop_mode=clone[jt0]"),
            "{g}"
        );
        assert!(
            g.contains("trim=start_frame=0:end_frame=15,setpts=PTS-STARTPTS,tpad=stop=1:stop_mode=clone[jh1]"),
            "{g}"
        );
        // The fade blends plane by plane, and only the 15 shared frames.
        assert!(
            g.contains("[jt0]extractplanes=y+u+v[jt0y][jt0u][jt0v];[jh1]extractplanes=y+u+v[jh1y][jh1u][jh1v];"),
            "{g}"
        );
        for p in ['y', 'u', 'v'] {
            let blend = format!(
                "[jt0{p}][jh1{p}]xfade=transition=fade:duration=0.5000:offset=0[jt0xjh1{p}];"
            );
            assert!(g.contains(&blend), "{blend} missing from {g}");
        }
        assert!(
            g.contains(
                "[jt0xjh1y][jt0xjh1u][jt0xjh1v]mergeplanes=0x001020:yuv420p,trim=end_frame=15[jx1]"
            ),
            "{g}"
        );
        assert!(g.contains("[v2]split=1[jbs2]"), "{g}");
        assert!(g.contains("[jb0][jx1][jb1][jb2]concat=n=4:v=1:a=0"), "{g}");
        assert_eq!(g.matches("xfade").count(), 3);
    }

    #[test]
    fn transitions_that_draw_shapes_blend_in_4_4_4() {
        let wipe = TransitionKind::WipeLeft;
        let mut g = String::new();
        join(
            &mut g,
            &[part(0, 90, 0, None), part(1, 90, 15, Some(&wipe))],
            30,
        );
        assert!(
            g.contains("[jt0][jh1]xfade=transition=wipeleft:duration=0.5000:offset=0,trim=end_frame=15[jx1]"),
            "{g}"
        );
        assert!(!g.contains("extractplanes"), "{g}");
    }

    #[test]
    fn a_shot_shorter_than_its_transitions_chains_whole_shots() {
        let (wipe, fade) = (TransitionKind::WipeLeft, TransitionKind::Fade);
        let mut g = String::new();
        let out = join(
            &mut g,
            &[
                part(0, 30, 0, None),
                part(1, 20, 12, Some(&wipe)),
                part(2, 30, 12, Some(&fade)),
            ],
            30,
        );
        assert_eq!(out, "x2");
        assert!(
            g.contains("[v0][v1]xfade=transition=wipeleft:duration=0.4000:offset=0.6000,null[x1]"),
            "{g}"
        );
        assert!(
            g.contains("[x1y][v2y]xfade=transition=fade:duration=0.4000:offset=0.8667[x1xv2y]"),
            "{g}"
        );
        assert!(g.contains("mergeplanes=0x001020:yuv420p,null[x2]"), "{g}");
    }

    #[test]
    fn one_shot_is_its_own_stream() {
        let mut g = String::new();
        assert_eq!(join(&mut g, &[part(4, 30, 0, None)], 30), "v4");
        assert!(g.is_empty());
    }
}
