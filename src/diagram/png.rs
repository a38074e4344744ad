//! The SVG drawing as a PNG image, rasterised in pure Rust by resvg with one bundled font
//! (DejaVu Sans, `assets/fonts/`), so that the same model gives the same bytes on every
//! machine: no system font is looked up, and the PNG carries no time stamp.
//!
//! Every family the SVG names (`Helvetica, Arial, sans-serif`) resolves to the bundled
//! face: the named ones are not in the font database and the generic ones are mapped to
//! it. The bundled face is the regular weight only; text the SVG sets in bold is drawn
//! in that regular weight.

use resvg::{tiny_skia, usvg};

/// The bundled font, DejaVu Sans 2.37 (Bitstream Vera licence, in
/// `assets/fonts/DejaVuSans.LICENSE`).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The family name inside [`FONT`].
const FONT_FAMILY: &str = "DejaVu Sans";

/// The smallest and largest `--scale`: pixels per SVG unit.
pub const MIN_SCALE: f32 = 0.5;
pub const MAX_SCALE: f32 = 4.0;

/// The largest image drawn, in pixels (width × height): 100 million, 400 MB of pixels in
/// memory before encoding.
pub const MAX_PIXELS: u64 = 100_000_000;

/// Why no PNG was made.
#[derive(Debug, thiserror::Error)]
pub enum PngError {
    #[error("--scale {0} is outside {MIN_SCALE} to {MAX_SCALE}")]
    Scale(f32),
    #[error(
        "the PNG would be {width} × {height} pixels ({pixels} in all), above the limit of \
         {limit}; draw part of the model with --zone or --focus, or give a smaller --scale"
    )]
    TooLarge {
        width: u64,
        height: u64,
        pixels: u64,
        limit: u64,
    },
    #[error("the SVG could not be read for the PNG: {0}")]
    Svg(String),
    #[error("the PNG could not be encoded: {0}")]
    Encode(String),
}

/// The width and height in pixels of `svg_width` × `svg_height` SVG units at `scale`.
fn pixel_size(svg_width: f32, svg_height: f32, scale: f32) -> (u64, u64) {
    let side = |v: f32| (f64::from(v) * f64::from(scale)).ceil().max(1.0) as u64;
    (side(svg_width), side(svg_height))
}

/// Draws `svg` (as [`super::svg::render`] writes it) at `scale` pixels per SVG unit and
/// encodes it as PNG, refusing images above [`MAX_PIXELS`].
pub fn render(svg: &str, scale: f32) -> Result<Vec<u8>, PngError> {
    render_limited(svg, scale, MAX_PIXELS)
}

/// [`render`] with the pixel limit given.
pub fn render_limited(svg: &str, scale: f32, limit: u64) -> Result<Vec<u8>, PngError> {
    if !(MIN_SCALE..=MAX_SCALE).contains(&scale) {
        return Err(PngError::Scale(scale));
    }
    let mut options = usvg::Options {
        font_family: FONT_FAMILY.to_string(),
        ..usvg::Options::default()
    };
    let fonts = options.fontdb_mut();
    fonts.load_font_data(FONT.to_vec());
    fonts.set_sans_serif_family(FONT_FAMILY);
    fonts.set_serif_family(FONT_FAMILY);
    fonts.set_monospace_family(FONT_FAMILY);
    fonts.set_cursive_family(FONT_FAMILY);
    fonts.set_fantasy_family(FONT_FAMILY);
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| PngError::Svg(e.to_string()))?;
    let size = tree.size();
    let (width, height) = pixel_size(size.width(), size.height(), scale);
    let pixels = width.saturating_mul(height);
    if pixels > limit {
        return Err(PngError::TooLarge {
            width,
            height,
            pixels,
            limit,
        });
    }
    let too_large = || PngError::TooLarge {
        width,
        height,
        pixels,
        limit,
    };
    let w = u32::try_from(width).map_err(|_| too_large())?;
    let h = u32::try_from(height).map_err(|_| too_large())?;
    let mut pixmap = tiny_skia::Pixmap::new(w, h).ok_or_else(too_large)?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| PngError::Encode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"20\" \
        viewBox=\"0 0 10 20\"><rect width=\"10\" height=\"20\" fill=\"#ffffff\"/></svg>";

    fn ihdr(png: &[u8]) -> (u32, u32) {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        (be(&png[16..20]), be(&png[20..24]))
    }

    #[test]
    fn the_scale_multiplies_both_sides() {
        assert_eq!(ihdr(&render(SQUARE, 1.0).unwrap()), (10, 20));
        assert_eq!(ihdr(&render(SQUARE, 2.5).unwrap()), (25, 50));
        assert_eq!(ihdr(&render(SQUARE, 0.5).unwrap()), (5, 10));
    }

    #[test]
    fn a_scale_out_of_range_is_refused() {
        for s in [0.49, 4.01, 0.0, -1.0, f32::NAN, f32::INFINITY] {
            let e = render(SQUARE, s).unwrap_err();
            assert!(matches!(e, PngError::Scale(_)), "{s}: {e}");
        }
    }

    #[test]
    fn the_pixel_limit_counts_the_scaled_area() {
        assert!(render_limited(SQUARE, 1.0, 200).is_ok());
        let e = render_limited(SQUARE, 1.0, 199).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("10 × 20 pixels (200 in all)"), "{msg}");
        assert!(msg.contains("--zone or --focus"), "{msg}");
        assert!(render_limited(SQUARE, 2.0, 799).is_err());
    }

    #[test]
    fn text_in_a_named_family_is_drawn_with_the_bundled_font() {
        let with = |text: &str| {
            format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"120\" height=\"30\">\
                 <rect width=\"120\" height=\"30\" fill=\"#ffffff\"/>\
                 <text x=\"4\" y=\"22\" font-size=\"20\" font-family=\"Helvetica, Arial, \
                 sans-serif\">{text}</text></svg>"
            )
        };
        let mut options = usvg::Options::default();
        options.fontdb_mut().load_font_data(FONT.to_vec());
        assert_eq!(
            options.fontdb.faces().next().unwrap().families[0].0,
            FONT_FAMILY
        );
        let blank = render(&with(""), 1.0).unwrap();
        let text = render(&with("Gateway"), 1.0).unwrap();
        assert_ne!(blank, text, "the text must change the pixels");
    }
}
