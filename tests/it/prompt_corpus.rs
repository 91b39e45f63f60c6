//! The prompt corpus: ordinary edit requests in English and Chinese, each with the outcome it must
//! have. Every one is either applied exactly (the timeline checked: what changed and that the rest
//! did not) or refused with what to send instead and nothing changed. Zero may be applied wrongly.
//! Run with `--nocapture` to see the applied/refused counts.

use crate::support::still;
use reelsmith::backend::local::LocalBackend;
use reelsmith::backend::{Backend, CreateRequest};
use reelsmith::edit::EditOp;
use reelsmith::timeline::style::{Place, Position, SizeStep, TextSize};
use reelsmith::timeline::{Motion, Segment, TT_TEXT, TT_VIDEO, TextRole, Timeline};
use std::collections::HashMap;

/// What a prompt must do.
enum Expect {
    /// Applied; the check says what is wrong with the result, if anything.
    Applied(fn(&Ctx) -> Result<(), String>),
    /// Refused, nothing changed; the message contains this.
    Refused(&'static str),
}

struct Case {
    prompt: &'static str,
    /// A prompt applied first (for undo).
    before: Option<&'static str>,
    expect: Expect,
}

fn ok(prompt: &'static str, check: fn(&Ctx) -> Result<(), String>) -> Case {
    Case {
        prompt,
        before: None,
        expect: Expect::Applied(check),
    }
}

fn no(prompt: &'static str, says: &'static str) -> Case {
    Case {
        prompt,
        before: None,
        expect: Expect::Refused(says),
    }
}

fn after(
    before: &'static str,
    prompt: &'static str,
    check: fn(&Ctx) -> Result<(), String>,
) -> Case {
    Case {
        prompt,
        before: Some(before),
        expect: Expect::Applied(check),
    }
}

/// The first cut, the edited timeline, and file names by media id.
struct Ctx<'a> {
    base: &'a Timeline,
    new: &'a Timeline,
    names: &'a HashMap<String, String>,
}

impl Ctx<'_> {
    fn files(&self, tl: &Timeline) -> Vec<String> {
        tl.segments(TT_VIDEO)
            .iter()
            .map(|s| self.names[s.media_id.as_deref().unwrap()].clone())
            .collect()
    }
    fn base_files(&self) -> Vec<String> {
        self.files(self.base)
    }
    fn new_files(&self) -> Vec<String> {
        self.files(self.new)
    }
    /// The order after moving the shot at `from` to `to` (0-based).
    fn moved(&self, from: usize, to: usize) -> Vec<String> {
        let mut v = self.base_files();
        let f = v.remove(from);
        v.insert(to, f);
        v
    }
    fn shot_ms(&self, tl: &Timeline, i: usize) -> u64 {
        tl.segments(TT_VIDEO)[i].duration_ms
    }
    fn texts(tl: &Timeline, role: TextRole) -> Vec<&Segment> {
        tl.segments(TT_TEXT)
            .iter()
            .filter(|s| s.role == Some(role))
            .collect()
    }
    fn music(tl: &Timeline) -> Option<&Segment> {
        tl.music().first()
    }
}

/// A voice-over asked for and spoken (the voice is installed by scripts/setup).
fn voiced(c: &Ctx) -> Result<(), String> {
    eq("voice-over asked", c.new.meta.voiceover.is_some(), true)?;
    let take = c.new.voiceover().and_then(|s| s.voice.as_ref());
    eq("voice-over spoken", take.is_some(), true)?;
    let n = c
        .new
        .segments(TT_TEXT)
        .iter()
        .filter(|s| s.id.starts_with("vo-"))
        .count();
    if n == 0 {
        return Err("no captions follow the voice".into());
    }
    Ok(())
}

fn eq<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}

fn near(what: &str, got_ms: u64, want_ms: u64) -> Result<(), String> {
    // Shot lengths land on whole frames (30 fps: within 34 ms).
    if got_ms.abs_diff(want_ms) <= 34 {
        Ok(())
    } else {
        Err(format!("{what}: got {got_ms} ms, want {want_ms} ms"))
    }
}

fn same_order(c: &Ctx) -> Result<(), String> {
    eq("order", c.new_files(), c.base_files())
}

fn same_length(c: &Ctx) -> Result<(), String> {
    eq("length", c.new.duration_ms, c.base.duration_ms)
}

fn shot_len(c: &Ctx, i: usize, ms: u64) -> Result<(), String> {
    near(&format!("shot {}", i + 1), c.shot_ms(c.new, i), ms)?;
    same_order(c)?;
    // The other shots keep their lengths.
    for j in (0..c.base.segments(TT_VIDEO).len()).filter(|&j| j != i) {
        near(
            &format!("shot {}", j + 1),
            c.shot_ms(c.new, j),
            c.shot_ms(c.base, j),
        )?;
    }
    Ok(())
}

fn motion(c: &Ctx, i: usize, m: Motion) -> Result<(), String> {
    eq("motion", c.new.segments(TT_VIDEO)[i].motion, Some(m))?;
    same_order(c)?;
    same_length(c)
}

fn style_of(tl: &Timeline, role: TextRole) -> Vec<Option<reelsmith::timeline::style::TextStyle>> {
    Ctx::texts(tl, role)
        .iter()
        .map(|s| s.style.clone())
        .collect()
}

fn size(c: &Ctx, role: TextRole, want: SizeStep) -> Result<(), String> {
    let styles = style_of(c.new, role);
    if styles.is_empty() {
        return Err(format!("no {role:?} text"));
    }
    for s in styles {
        eq("size", s.and_then(|s| s.size), Some(TextSize::Named(want)))?;
    }
    same_length(c)
}

fn colour(c: &Ctx, roles: &[TextRole], want: &str) -> Result<(), String> {
    for &role in roles {
        let styles = style_of(c.new, role);
        if styles.is_empty() {
            return Err(format!("no {role:?} text"));
        }
        for s in styles {
            eq("colour", s.and_then(|s| s.color), Some(want.to_string()))?;
        }
    }
    same_length(c)
}

fn text_on_shot(c: &Ctx, words: &str, file: &str) -> Result<(), String> {
    let i = c
        .new_files()
        .iter()
        .position(|f| f == file)
        .ok_or(format!("no {file}"))?;
    let shot = &c.new.segments(TT_VIDEO)[i];
    let t = c
        .new
        .segments(TT_TEXT)
        .iter()
        .find(|s| s.text.as_deref() == Some(words))
        .ok_or(format!("no text '{words}'"))?;
    eq("anchor", t.anchor.as_deref(), Some(shot.id.as_str()))?;
    eq("start", t.start_ms, shot.start_ms)?;
    same_order(c)
}

fn title_text(c: &Ctx, want: &str) -> Result<(), String> {
    let t = Ctx::texts(c.new, TextRole::Title);
    eq(
        "title",
        t.first().and_then(|s| s.text.as_deref()),
        Some(want),
    )
}

fn end_text(c: &Ctx, want: &str) -> Result<(), String> {
    let t = Ctx::texts(c.new, TextRole::EndCard);
    eq(
        "end card",
        t.first().and_then(|s| s.text.as_deref()),
        Some(want),
    )
}

fn removed(c: &Ctx, file: &str) -> Result<(), String> {
    let mut want = c.base_files();
    want.retain(|f| f != file);
    eq("order", c.new_files(), want)
}

fn badge(c: &Ctx, words: &str, place: Place) -> Result<(), String> {
    let t = c
        .new
        .segments(TT_TEXT)
        .iter()
        .find(|s| s.text.as_deref() == Some(words))
        .ok_or(format!("no badge '{words}'"))?;
    let st = t.style.clone().unwrap_or_default();
    eq("position", st.position, Some(Position::Named(place)))?;
    eq("box", st.background, Some(true))?;
    eq("span", (t.start_ms, t.end_ms()), (0, c.new.duration_ms))?;
    same_length(c)
}

fn length(c: &Ctx, ms: u64) -> Result<(), String> {
    near("length", c.new.duration_ms, ms)?;
    same_order(c)
}

fn mood(c: &Ctx, m: &str) -> Result<(), String> {
    eq(
        "mood",
        Ctx::music(c.new).and_then(|s| s.generated.map(|m| m.as_str())),
        Some(m),
    )
}

fn quieter(c: &Ctx) -> Result<(), String> {
    let v = |tl| Ctx::music(tl).and_then(|s| s.volume).unwrap_or(1.0);
    if v(c.new) < v(c.base) {
        Ok(())
    } else {
        Err(format!("music {} → {}", v(c.base), v(c.new)))
    }
}

fn no_music(c: &Ctx) -> Result<(), String> {
    eq("music", Ctx::music(c.new).is_some(), false)
}

fn transitions(c: &Ctx, kind: Option<&str>) -> Result<(), String> {
    for s in c.new.segments(TT_VIDEO).iter().skip(1) {
        eq(
            "transition",
            s.transition.as_ref().map(|t| t.kind.as_str()),
            kind,
        )?;
    }
    same_order(c)
}

fn unchanged(c: &Ctx) -> Result<(), String> {
    eq("timeline", c.new.to_draft(), c.base.to_draft())
}

fn corpus() -> Vec<Case> {
    use SizeStep::*;
    use TextRole::*;
    vec![
        // English — the sixteen requests of the issue first.
        ok("change the end card to 'Open daily 7am-7pm'", |c| {
            end_text(c, "Open daily 7am-7pm")
        }),
        ok("use calmer music", |c| mood(c, "calm")),
        ok("lower the music volume", quieter),
        ok("make it 20 seconds", |c| length(c, 20_000)),
        ok("make the second shot 5 seconds", |c| shot_len(c, 1, 5_000)),
        ok("show the title for 5 seconds", |c| {
            let t = Ctx::texts(c.new, Title);
            near("title", t[0].duration_ms, 5_000)
        }),
        ok("add the caption 'Now with oat milk' on the cat shot", |c| {
            text_on_shot(c, "Now with oat milk", "cat.jpg")
        }),
        ok("make the captions bigger", |c| size(c, Caption, Large)),
        ok("move chelsea.png to the front", |c| {
            let from = c
                .base_files()
                .iter()
                .position(|f| f == "chelsea.png")
                .unwrap();
            eq("order", c.new_files(), c.moved(from, 0))
        }),
        ok("remove the rocket shot", |c| removed(c, "rocket.jpg")),
        ok("swap the first two photos", |c| {
            eq("order", c.new_files(), c.moved(0, 1))
        }),
        after("make it 20 seconds", "undo the last change", unchanged),
        ok("put a 'SALE' badge in the top right corner", |c| {
            badge(c, "SALE", Place::TopRight)
        }),
        ok("make the text yellow", |c| {
            colour(c, &[Title, Caption, EndCard], "yellow")
        }),
        ok(
            "use a zoom-out instead of zoom-in on the first photo",
            |c| motion(c, 0, Motion::ZoomOut),
        ),
        ok("add a voice-over reading the script", voiced),
        ok("captions word by word", |c| {
            eq(
                "captions",
                c.new.meta.captions,
                Some(reelsmith::timeline::CaptionStyle::Word),
            )
        }),
        ok("snap cuts to the beat", |c| {
            eq("beat sync", c.new.meta.beat_sync, Some(true))
        }),
        after("add a voice-over", "slower narration", |c| {
            voiced(c)?;
            let speed = c.new.meta.voiceover.as_ref().and_then(|v| v.speed);
            eq("slower", speed.is_some_and(|s| s < 1.0), true)
        }),
        after("add a voice-over", "no captions", |c| {
            eq("captions", Ctx::texts(c.new, Caption).len(), 0)?;
            eq("still voiced", c.new.voiceover().is_some(), true)
        }),
        // A whole-video prompt after an exact change keeps that change.
        after("make the second shot 5 seconds", "use calmer music", |c| {
            shot_len(c, 1, 5_000)?;
            mood(c, "calm")
        }),
        after(
            "make the captions bigger",
            "change the title to 'Open Now'",
            |c| {
                size(c, Caption, Large)?;
                title_text(c, "Open Now")
            },
        ),
        // English — more of the same kinds.
        ok("make it vertical", |c| {
            eq("portrait", c.new.meta.height > c.new.meta.width, true)
        }),
        ok("make it 4K", |c| {
            eq("short side", c.new.meta.width.min(c.new.meta.height), 2160)
        }),
        ok("remove the music", no_music),
        ok("use slide transitions", |c| {
            transitions(c, Some("slideleft"))
        }),
        ok("hard cuts only", |c| transitions(c, None)),
        ok("change the title to 'Summer Sale'", |c| {
            title_text(c, "Summer Sale")
        }),
        ok("remove the title", |c| {
            eq("titles", Ctx::texts(c.new, Title).len(), 0)
        }),
        ok("move the last photo first", |c| {
            eq("order", c.new_files(), c.moved(5, 0))
        }),
        ok("remove the third photo", |c| {
            let third = c.base_files()[2].clone();
            removed(c, &third)
        }),
        ok("make the first photo pan left", |c| {
            motion(c, 0, Motion::PanLeft)
        }),
        ok("no motion on the second photo", |c| {
            motion(c, 1, Motion::None)
        }),
        ok("make the title red", |c| colour(c, &[Title], "red")),
        ok("make the captions smaller", |c| size(c, Caption, Small)),
        ok("make it 15 seconds and use calmer music", |c| {
            length(c, 15_000)?;
            mood(c, "calm")
        }),
        ok("make shot 3 last 4 seconds", |c| shot_len(c, 2, 4_000)),
        ok("turn off captions", |c| {
            eq("captions", Ctx::texts(c.new, Caption).len(), 0)
        }),
        ok("swap photo 2 and photo 4", |c| {
            let mut want = c.base_files();
            want.swap(1, 3);
            eq("order", c.new_files(), want)
        }),
        ok("remove the end card", |c| {
            eq("end cards", Ctx::texts(c.new, EndCard).len(), 0)
        }),
        ok("add the text 'Fresh daily' on shot 4", |c| {
            let file = c.base_files()[3].clone();
            text_on_shot(c, "Fresh daily", &file)
        }),
        ok("music at 20%", |c| {
            eq(
                "volume",
                Ctx::music(c.new).and_then(|s| s.volume),
                Some(0.2),
            )
        }),
        ok("put rocket.jpg at the end", |c| {
            let from = c
                .base_files()
                .iter()
                .position(|f| f == "rocket.jpg")
                .unwrap();
            eq("order", c.new_files(), c.moved(from, 5))
        }),
        ok("make the end card say 'See you soon', thanks!", |c| {
            end_text(c, "See you soon")
        }),
        no("make that shot 3 seconds", "set_shot"),
        no("make the logo bigger", "add_overlay"),
        no("make the tree photo 5 seconds", "no shot 'tree'"),
        no("add some sparkle", "not understood"),
        no("make the pacing snappier", "not understood"),
        no("swap the last two photos", "move_shot"),
        no("make the video brighter", "not understood"),
        no("make shot 9 longer", "set_shot"),
        ok("the second photo should be 4s", |c| shot_len(c, 1, 4_000)),
        ok("show the end card for 3 seconds", |c| {
            near("end card", Ctx::texts(c.new, EndCard)[0].duration_ms, 3_000)
        }),
        ok("move the title to the top left", |c| {
            let st = style_of(c.new, Title)[0].clone().unwrap_or_default();
            eq(
                "position",
                st.position,
                Some(Position::Named(Place::TopLeft)),
            )
        }),
        ok("make the captions bold", |c| {
            let st = style_of(c.new, Caption)[0].clone().unwrap_or_default();
            eq(
                "weight",
                st.weight,
                Some(reelsmith::timeline::style::Weight::Bold),
            )
        }),
        ok("cut the video to 12 seconds", |c| length(c, 12_000)),
        no("remove the caption on the cat shot", "set_text"),
        no(
            "make the first photo 3 seconds and the second 4 seconds",
            "set_shot",
        ),
        no(
            "make the video 20 seconds with the title showing for 5 seconds",
            "set_text",
        ),
        no("make every photo 3 seconds", "set_shot"),
        no("make the captions white on a black box", "set_style"),
        // Phrasings a reviewer found misread: each applied exactly or refused.
        ok(
            "make the first photo 3 seconds, and the second 4 seconds",
            |c| shot_len(c, 0, 3_000),
        ),
        no("make the second shot 1,5 seconds", "point"),
        no("make the transitions 1 second", "not understood"),
        no("fade the music out over 3 seconds", "not understood"),
        no("remove the 'SALE' badge", "remove_text"),
        no("move the 'SALE' badge to the bottom left", "set_text"),
        ok("set the title to 'Bigger Savings'", |c| {
            title_text(c, "Bigger Savings")
        }),
        ok("change the title to 'Red Hot Deals'", |c| {
            title_text(c, "Red Hot Deals")
        }),
        ok("set the title to '30 Seconds to Mars'", |c| {
            title_text(c, "30 Seconds to Mars")?;
            same_length(c)
        }),
        no("make the second shot 2 seconds longer", "longer"),
        no("make the title 2 seconds longer", "longer"),
        no("show the title for 2 seconds on the first shot", "set_text"),
        no("don't zoom in on the first photo", "motion"),
        no("the second photo is still too dark", "not understood"),
        no("make the text on the second photo yellow", "set_text"),
        no("make the caption on the cat shot bigger", "set_text"),
        no(
            "change the caption on the second photo to 'Hello'",
            "set_text",
        ),
        no("move chelsea.png after the first photo", "move_shot"),
        no("cut chelsea.png shorter", "not understood"),
        no("remove the outro music", "not understood"),
        ok("make the promo video 20 seconds", |c| length(c, 20_000)),
        // Chinese.
        ok("第二个镜头5秒", |c| shot_len(c, 1, 5_000)),
        ok("把chelsea.png放最前面", |c| {
            let from = c
                .base_files()
                .iter()
                .position(|f| f == "chelsea.png")
                .unwrap();
            eq("order", c.new_files(), c.moved(from, 0))
        }),
        ok("把第三张放到最前面", |c| {
            eq("order", c.new_files(), c.moved(2, 0))
        }),
        ok("字幕大一点", |c| size(c, Caption, Large)),
        ok("字幕小一点", |c| size(c, Caption, Small)),
        after("改成15秒", "撤销", unchanged),
        ok("改成15秒", |c| length(c, 15_000)),
        ok("改成竖屏", |c| {
            eq("portrait", c.new.meta.height > c.new.meta.width, true)
        }),
        ok("去掉音乐", no_music),
        ok("标题改成夏日特卖", |c| title_text(c, "夏日特卖")),
        ok("删掉第三张", |c| {
            let third = c.base_files()[2].clone();
            removed(c, &third)
        }),
        ok("换成滑动转场", |c| transitions(c, Some("slideleft"))),
        ok("去掉字幕", |c| {
            eq("captions", Ctx::texts(c.new, Caption).len(), 0)
        }),
        ok("把最后一张图片放到最前面", |c| {
            eq("order", c.new_files(), c.moved(5, 0))
        }),
        ok("第一张镜头拉远", |c| motion(c, 0, Motion::ZoomOut)),
        ok("第二张不要动", |c| motion(c, 1, Motion::None)),
        ok("字幕改成黄色", |c| colour(c, &[Caption], "yellow")),
        ok("在右上角加一个“SALE”角标", |c| {
            badge(c, "SALE", Place::TopRight)
        }),
        ok("标题显示3秒", |c| {
            near("title", Ctx::texts(c.new, Title)[0].duration_ms, 3_000)
        }),
        ok("交换前两张", |c| {
            eq("order", c.new_files(), c.moved(0, 1))
        }),
        ok("结尾改成“欢迎光临”", |c| {
            end_text(c, "欢迎光临")
        }),
        ok("音乐小声一点", quieter),
        ok("做成4K", |c| {
            eq("short side", c.new.meta.width.min(c.new.meta.height), 2160)
        }),
        ok("删除结尾", |c| {
            eq("end cards", Ctx::texts(c.new, EndCard).len(), 0)
        }),
        ok("改成20秒，然后去掉音乐", |c| {
            length(c, 20_000)?;
            no_music(c)
        }),
        ok("第四张3秒", |c| shot_len(c, 3, 3_000)),
        ok("标题改成红色", |c| colour(c, &[Title], "red")),
        ok("加上配音", voiced),
        ok("用女声配音", |c| {
            voiced(c)?;
            let v = c.new.meta.voiceover.as_ref().and_then(|v| v.voice.clone());
            eq("voice", v.as_deref(), Some("female"))
        }),
        ok("把第二张恢复到3秒", |c| shot_len(c, 1, 3_000)),
        no("第一张不要放大", "motion"),
        no("第一张的字幕放大", "set_text"),
        no("第二张延长2秒", "longer"),
        ok("标题改成“红色星期五”", |c| {
            title_text(c, "红色星期五")
        }),
        no("把猫那张放最前面", "move_shot"),
        no("让视频更有感觉", "not understood"),
        no("把那张图片放大一点", "set_shot"),
        no("第七张5秒", "there is no shot 7"),
        no("把tree.jpg删掉", "no shot 'tree.jpg'"),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn every_prompt_is_applied_exactly_or_refused_with_the_op() {
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "cat.jpg",
        "chelsea.png",
        "rocket.jpg",
        "beach.jpg",
        "coffee.jpg",
        "shop.jpg",
    ];
    let files: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| still(dir.path(), n, 640, 360, i).display().to_string())
        .collect();
    let b = LocalBackend::open(&dir.path().join("home")).unwrap();
    let first = b
        .create(CreateRequest {
            prompt: "a 30 second promo titled 'Grand Opening' with upbeat music and captions"
                .into(),
            script: Some(
                "Our new cafe opens this Saturday.\nFresh coffee and pastries every morning.\nVisit us on Main Street - first cup free!"
                    .into(),
            ),
            files: reelsmith::media::Source::parse_all(&files).unwrap(),
            ..Default::default()
        })
        .await
        .unwrap();
    let session = first.session_id.clone();
    let base = first.timeline.clone();
    let by_id: HashMap<String, String> = b
        .store()
        .media(&session)
        .unwrap()
        .into_iter()
        .map(|m| (m.id, m.file_name))
        .collect();
    assert_eq!(base.segments(TT_VIDEO).len(), 6);
    assert!(!Ctx::texts(&base, TextRole::Caption).is_empty());
    assert!(!Ctx::texts(&base, TextRole::EndCard).is_empty());

    let ask = |prompt: &str| CreateRequest {
        session_id: Some(session.clone()),
        prompt: prompt.into(),
        ..Default::default()
    };
    let back_to_base = || CreateRequest {
        session_id: Some(session.clone()),
        edits: vec![EditOp::Revert {
            revision: first.revision,
        }],
        ..Default::default()
    };
    let (mut applied, mut refused, mut wrong) = (0, 0, Vec::new());
    let cases = corpus();
    let zh = cases
        .iter()
        .filter(|c| c.prompt.chars().any(|ch| ch as u32 > 0x2E80))
        .count();
    for case in &cases {
        if let Some(before) = case.before {
            b.create(ask(before)).await.unwrap();
        }
        let result = b.create(ask(case.prompt)).await;
        let head = b.store().current_timeline(&session).unwrap().unwrap();
        match (&case.expect, result) {
            (Expect::Applied(check), Ok(c)) => {
                let ctx = Ctx {
                    base: &base,
                    new: &c.timeline,
                    names: &by_id,
                };
                let said = c.changes.iter().any(|l| l.contains(" → "));
                match check(&ctx) {
                    Ok(()) if said => applied += 1,
                    Ok(()) => wrong.push(format!(
                        "{}: applied but the op it became is not said: {:?}",
                        case.prompt, c.changes
                    )),
                    Err(e) => wrong.push(format!("{}: APPLIED WRONGLY: {e}", case.prompt)),
                }
            }
            (Expect::Applied(_), Err(e)) => {
                wrong.push(format!("{}: refused, should apply: {e}", case.prompt))
            }
            (Expect::Refused(says), Ok(c)) => wrong.push(format!(
                "{}: APPLIED, should be refused ({says}): {:?}",
                case.prompt, c.changes
            )),
            (Expect::Refused(says), Err(e)) => {
                let msg = e.to_string();
                if !msg.contains(says) {
                    wrong.push(format!("{}: refused without '{says}': {msg}", case.prompt));
                } else if head.to_draft() != base.to_draft() {
                    wrong.push(format!("{}: refused but the timeline changed", case.prompt));
                } else {
                    refused += 1;
                }
            }
        }
        if head.rev != first.revision {
            b.create(back_to_base()).await.unwrap();
        }
    }
    eprintln!(
        "prompt corpus: {} requests ({} English, {zh} Chinese): {applied} applied exactly, {refused} refused with what to send, {} wrong",
        cases.len(),
        cases.len() - zh,
        wrong.len()
    );
    assert!(cases.len() >= 60 && zh >= 25);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
