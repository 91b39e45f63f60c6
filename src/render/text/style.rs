//! How each role looks (size, line limit, outline, shadow, box, place) and how an edit's style
//! changes that.

use crate::render::fonts::{BOLD, REGULAR};
use crate::timeline::TextRole;
use crate::timeline::style::{Place, Position, TextSize, TextStyle, Weight, parse_colour};

/// Where a role's box goes vertically inside the safe area.
#[derive(Debug, Clone, Copy)]
pub(super) enum Anchor {
    /// Centred on this fraction of the frame height (clamped into the safe area).
    Around(f32),
    /// Bottom edge on the safe area's bottom edge.
    Bottom,
    /// Centred in the safe area.
    Middle,
}

/// Size, wrapping and look of one role; lengths in em (the font size).
#[derive(Debug, Clone, Copy)]
pub(super) struct Style {
    /// Font size as a fraction of the frame's short side.
    pub(super) size: f32,
    /// Lines before the font starts shrinking.
    pub(super) max_lines: usize,
    /// Outline width (0 = none).
    pub(super) outline: f32,
    /// Drop shadow offset (0 = no shadow).
    pub(super) shadow: f32,
    /// Opacity of the dark rounded box behind the text (0 = no box).
    pub(super) box_alpha: f32,
    pub(super) pad_x: f32,
    pub(super) pad_y: f32,
    pub(super) radius: f32,
    pub(super) anchor: Anchor,
    /// Text colour (linear 0–1 RGB; white unless an edit says otherwise).
    pub(super) fill: [f32; 3],
    /// The box's colour.
    pub(super) box_rgb: [f32; 3],
    /// Horizontal centre as a fraction of the frame width (centred when None).
    pub(super) x_centre: Option<f32>,
    /// Font weight (bold unless an edit asks for normal); picks the bold or regular face.
    pub(super) weight: u16,
}

impl Style {
    pub(super) fn for_role(role: TextRole, portrait: bool) -> Style {
        let pick = |landscape: f32, tall: f32| if portrait { tall } else { landscape };
        match role {
            TextRole::Title => Style {
                size: pick(0.09, 0.10),
                max_lines: 2,
                outline: 0.06,
                shadow: 0.045,
                box_alpha: 0.0,
                pad_x: 0.0,
                pad_y: 0.0,
                radius: 0.0,
                anchor: Anchor::Around(pick(0.38, 0.30)),
                fill: [1.0; 3],
                box_rgb: [0.0; 3],
                x_centre: None,
                weight: BOLD,
            },
            TextRole::Caption => Style {
                // 0.065 on a 1080-wide phone frame is 70 px, still 49 px when shrunk to 70%.
                size: pick(0.05, 0.065),
                max_lines: 2,
                outline: 0.0,
                shadow: 0.0,
                box_alpha: 0.6,
                pad_x: 0.5,
                pad_y: 0.35,
                radius: 0.3,
                anchor: Anchor::Bottom,
                fill: [1.0; 3],
                box_rgb: [0.0; 3],
                x_centre: None,
                weight: BOLD,
            },
            TextRole::Overlay => Style {
                size: pick(0.05, 0.06),
                max_lines: 3,
                outline: 0.05,
                shadow: 0.04,
                box_alpha: 0.0,
                pad_x: 0.0,
                pad_y: 0.0,
                radius: 0.0,
                anchor: Anchor::Middle,
                fill: [1.0; 3],
                box_rgb: [0.0; 3],
                x_centre: None,
                weight: BOLD,
            },
            TextRole::EndCard => Style {
                size: pick(0.07, 0.08),
                max_lines: 3,
                outline: 0.05,
                shadow: 0.0,
                box_alpha: 0.45,
                pad_x: 0.8,
                pad_y: 0.6,
                radius: 0.4,
                anchor: Anchor::Middle,
                fill: [1.0; 3],
                box_rgb: [0.0; 3],
                x_centre: None,
                weight: BOLD,
            },
        }
    }

    /// The role's look with what an edit set on top: size, colour, weight, position and box.
    /// (Animations other than the fade are not drawn here; the edit says so.)
    pub(super) fn with_edit(mut self, edit: &TextStyle, frame_w: u32, frame_h: u32) -> Style {
        match edit.size {
            Some(TextSize::Named(step)) => self.size *= step.factor() as f32,
            Some(TextSize::Px(px)) => self.size = px as f32 / frame_w.min(frame_h).max(1) as f32,
            None => {}
        }
        let rgb = |c: [u8; 4]| [c[0], c[1], c[2]].map(|v| f32::from(v) / 255.0);
        if let Some(c) = edit.color.as_deref().and_then(parse_colour) {
            self.fill = rgb(c);
        }
        let box_colour = edit.box_color.as_deref().and_then(parse_colour);
        match (edit.background, box_colour) {
            (Some(false), _) => self.box_alpha = 0.0,
            (_, Some(c)) => {
                self.box_rgb = rgb(c);
                self.box_alpha = if c[3] == 255 {
                    0.6
                } else {
                    f32::from(c[3]) / 255.0
                };
            }
            (Some(true), None) if self.box_alpha == 0.0 => self.box_alpha = 0.6,
            _ => {}
        }
        // Text without a box (a caption whose box was turned off) gets the title's outline and
        // shadow instead, so it stays legible on light footage.
        if self.box_alpha == 0.0 && self.outline == 0.0 {
            self.outline = 0.06;
            self.shadow = 0.045;
        }
        if self.box_alpha > 0.0 && self.pad_x == 0.0 {
            self.pad_x = 0.5;
            self.pad_y = 0.35;
            self.radius = 0.3;
        }
        match edit.weight {
            Some(Weight::Normal) => self.weight = REGULAR,
            Some(Weight::Bold) => self.weight = BOLD,
            None => {}
        }
        if let Some(pos) = edit.position {
            let (x, y) = pos.centre();
            self.anchor = match pos {
                Position::Named(Place::Bottom) => Anchor::Bottom,
                Position::Named(Place::Center) => Anchor::Middle,
                _ => Anchor::Around(y as f32),
            };
            self.x_centre = Some(x as f32);
        }
        let _ = frame_h;
        self
    }

    /// Pixel sizes of the effects at font size `size`.
    pub(super) fn effects(&self, size: f32) -> Effects {
        let outline = if self.outline > 0.0 {
            (self.outline * size).max(1.0)
        } else {
            0.0
        };
        let (shadow, blur) = if self.shadow > 0.0 {
            (
                (self.shadow * size).round().max(1.0) as usize,
                (0.05 * size).round().max(1.0) as usize,
            )
        } else {
            (0, 0)
        };
        Effects {
            outline,
            shadow,
            blur,
        }
    }

    /// Space around the text block (left, right, top, bottom) in px, for box padding or for
    /// outline, shadow and glyphs that overhang their advance box.
    pub(super) fn margins(&self, size: f32) -> [f32; 4] {
        if self.box_alpha > 0.0 {
            let (x, y) = (self.pad_x * size, self.pad_y * size);
            return [x, x, y, y];
        }
        let fx = self.effects(size);
        let spread = fx.outline + fx.blur as f32 + (0.08 * size).ceil();
        let far = spread + fx.shadow as f32;
        [spread, far, spread, far]
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Effects {
    pub(super) outline: f32,
    /// Shadow offset right and down.
    pub(super) shadow: usize,
    /// Radius of the shadow's box blur.
    pub(super) blur: usize,
}
