//! Tests of the exact-request reader.

use super::*;

fn read(p: &str) -> Option<Exact> {
    read_exact(p).unwrap()
}

#[test]
fn parts_of_the_video_are_read_exactly() {
    assert_eq!(
        read("make the second shot 5 seconds"),
        Some(Exact::ShotLength {
            shot: ShotWord::At(ShotRef::Nth(2)),
            seconds: 5.0
        })
    );
    assert_eq!(
        read("第二个镜头5秒"),
        Some(Exact::ShotLength {
            shot: ShotWord::At(ShotRef::Nth(2)),
            seconds: 5.0
        })
    );
    assert_eq!(
        read("show the title for 5 seconds"),
        Some(Exact::TextLength {
            role: TextRole::Title,
            seconds: 5.0
        })
    );
    assert_eq!(
        read("add the caption 'Now with oat milk' on the cat shot"),
        Some(Exact::TextOnShot {
            text: "Now with oat milk".into(),
            shot: ShotWord::File("cat".into())
        })
    );
    assert_eq!(
        read("move chelsea.png to the front"),
        Some(Exact::MoveShot {
            shot: ShotWord::File("chelsea.png".into()),
            to: ShotRef::First
        })
    );
    assert_eq!(
        read("remove the rocket shot"),
        Some(Exact::RemoveShot(ShotWord::File("rocket".into())))
    );
    assert_eq!(
        read("swap the first two photos"),
        Some(Exact::SwapShots(
            ShotWord::At(ShotRef::First),
            ShotWord::At(ShotRef::Nth(2))
        ))
    );
    assert_eq!(
        read("use a zoom-out instead of zoom-in on the first photo"),
        Some(Exact::ShotMotion {
            shot: ShotWord::At(ShotRef::First),
            motion: Motion::ZoomOut
        })
    );
    assert_eq!(
        read("put a 'SALE' badge in the top right corner"),
        Some(Exact::Badge {
            text: "SALE".into(),
            place: Place::TopRight
        })
    );
    assert_eq!(
        read("字幕大一点"),
        Some(Exact::TextSize {
            which: TextWhich::Role(TextRole::Caption),
            bigger: true
        })
    );
    assert_eq!(
        read("make the text yellow"),
        Some(Exact::TextColor {
            which: TextWhich::All,
            color: "yellow".into()
        })
    );
    assert_eq!(read("撤销"), Some(Exact::Undo));
    assert_eq!(read("undo the last change"), Some(Exact::Undo));
    assert_eq!(read("go back to revision 2"), Some(Exact::Revert(2)));
    assert!(matches!(
        read_exact("add a voice-over reading the script"),
        Ok(Some(Exact::Narration(_)))
    ));
}

#[test]
fn the_whole_video_is_left_to_the_recipe() {
    for p in [
        "make it 20 seconds",
        "make the video 15 seconds",
        "做成15秒",
        "move the last photo first",
        "change the title to 'Summer Sale'",
        "use calmer music",
        "3 seconds per photo",
        "remove the third photo",
    ] {
        assert_eq!(read(p), None, "{p}");
    }
}
