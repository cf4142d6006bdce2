//! The TSPLIB `.tsp` reader: symmetric TSP instances with EUC_2D, CEIL_2D, ATT, GEO or EXPLICIT
//! edge weights, distances exactly as Reinelt's TSPLIB95 document defines them.

use super::DistanceMatrix;

/// The largest DIMENSION read: the full matrix of 5000 nodes is 200 MB of `i64`.
pub const MAX_DIMENSION: usize = 5000;

/// The largest coordinate magnitude read: distances stay far from `i64`'s range.
pub const MAX_COORD: f64 = 1e9;

/// The largest weight magnitude read: a tour's length of [`MAX_DIMENSION`] such stays in `i64`.
pub const MAX_WEIGHT: i64 = 1 << 40;

/// A reading error, on the 1-based line it was found at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct TsplibError {
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong there.
    pub message: String,
}

fn err<T>(line: usize, message: impl Into<String>) -> Result<T, TsplibError> {
    Err(TsplibError { line, message: message.into() })
}

/// How the distances of an instance are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeWeightType {
    /// Euclidean, rounded to the nearest integer.
    Euc2d,
    /// Euclidean, rounded up.
    Ceil2d,
    /// Pseudo-Euclidean (att48, att532).
    Att,
    /// Geographical: coordinates are `DDD.MM` degrees and minutes, distances in km.
    Geo,
    /// Given in the EDGE_WEIGHT_SECTION.
    Explicit,
}

/// How an EXPLICIT EDGE_WEIGHT_SECTION lists the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeWeightFormat {
    /// Every row in full.
    FullMatrix,
    /// Rows of the upper triangle, without the diagonal.
    UpperRow,
    /// Rows of the lower triangle, without the diagonal.
    LowerRow,
    /// Rows of the upper triangle with the diagonal.
    UpperDiagRow,
    /// Rows of the lower triangle with the diagonal.
    LowerDiagRow,
    /// Columns of the upper triangle, without the diagonal.
    UpperCol,
    /// Columns of the lower triangle, without the diagonal.
    LowerCol,
    /// Columns of the upper triangle with the diagonal.
    UpperDiagCol,
    /// Columns of the lower triangle with the diagonal.
    LowerDiagCol,
}

impl EdgeWeightFormat {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "FULL_MATRIX" => Self::FullMatrix,
            "UPPER_ROW" => Self::UpperRow,
            "LOWER_ROW" => Self::LowerRow,
            "UPPER_DIAG_ROW" => Self::UpperDiagRow,
            "LOWER_DIAG_ROW" => Self::LowerDiagRow,
            "UPPER_COL" => Self::UpperCol,
            "LOWER_COL" => Self::LowerCol,
            "UPPER_DIAG_COL" => Self::UpperDiagCol,
            "LOWER_DIAG_COL" => Self::LowerDiagCol,
            _ => return None,
        })
    }

    /// The `(row, column)` cells the section lists, in its order. A symmetric matrix makes the
    /// column formats the row formats of the other triangle.
    fn cells(self, n: usize) -> Vec<(usize, usize)> {
        let mut cells = Vec::new();
        for i in 0..n {
            let js = match self {
                Self::FullMatrix => 0..n,
                Self::UpperRow | Self::LowerCol => i + 1..n,
                Self::LowerRow | Self::UpperCol => 0..i,
                Self::UpperDiagRow | Self::LowerDiagCol => i..n,
                Self::LowerDiagRow | Self::UpperDiagCol => 0..i + 1,
            };
            cells.extend(js.map(|j| (i, j)));
        }
        cells
    }
}

/// A read instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// NAME, or empty.
    pub name: String,
    /// COMMENT lines, joined by newlines.
    pub comment: String,
    /// EDGE_WEIGHT_TYPE.
    pub edge_weight_type: EdgeWeightType,
    /// The node coordinates `(x, y)` in the file's units, node 1 first, where the file gives them.
    pub coords: Option<Vec<(f64, f64)>>,
    /// The distances, 0-based (TSPLIB node `k` is index `k - 1`).
    pub matrix: DistanceMatrix,
}

/// TSPLIB's `nint`: `(int)(x + 0.5)`.
fn nint(x: f64) -> i64 {
    (x + 0.5).floor() as i64
}

/// EUC_2D: the Euclidean distance rounded to the nearest integer.
pub fn euc_2d(a: (f64, f64), b: (f64, f64)) -> i64 {
    nint((a.0 - b.0).hypot(a.1 - b.1))
}

/// CEIL_2D: the Euclidean distance rounded up.
pub fn ceil_2d(a: (f64, f64), b: (f64, f64)) -> i64 {
    (a.0 - b.0).hypot(a.1 - b.1).ceil() as i64
}

/// ATT: the pseudo-Euclidean distance of att48 and att532.
pub fn att(a: (f64, f64), b: (f64, f64)) -> i64 {
    let (dx, dy) = (a.0 - b.0, a.1 - b.1);
    let r = ((dx * dx + dy * dy) / 10.0).sqrt();
    let t = nint(r);
    if (t as f64) < r { t + 1 } else { t }
}

/// A GEO coordinate `DDD.MM` (degrees, minutes) in radians, with TSPLIB's `PI = 3.141592`.
pub fn geo_rad(x: f64) -> f64 {
    // TSPLIB rounds PI so, and its distances depend on it.
    #[allow(clippy::approx_constant)]
    const PI: f64 = 3.141592;
    let deg = x.trunc();
    let min = x - deg;
    PI * (deg + 5.0 * min / 3.0) / 180.0
}

/// GEO: the distance in km on TSPLIB's idealized sphere between `(latitude, longitude)` points
/// in `DDD.MM`. The arccosine's argument is clamped to `[-1, 1]` against rounding (two nodes
/// at the same place are then 1 km apart, as the formula gives).
pub fn geo(a: (f64, f64), b: (f64, f64)) -> i64 {
    const RRR_KM: f64 = 6378.388;
    let (lat_a, lon_a) = (geo_rad(a.0), geo_rad(a.1));
    let (lat_b, lon_b) = (geo_rad(b.0), geo_rad(b.1));
    let q1 = (lon_a - lon_b).cos();
    let q2 = (lat_a - lat_b).cos();
    let q3 = (lat_a + lat_b).cos();
    let c = (0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3)).clamp(-1.0, 1.0);
    (RRR_KM * c.acos() + 1.0) as i64
}

/// Whether a line begins a keyword (a data line begins with a number).
fn is_keyword_line(line: &str) -> bool {
    line.trim_start().starts_with(|c: char| c.is_ascii_alphabetic())
}

/// Reads a TSPLIB `.tsp` text.
pub fn parse(text: &str) -> Result<Instance, TsplibError> {
    let lines: Vec<(usize, &str)> = text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect();
    let last_line = lines.len().max(1);
    let mut name = String::new();
    let mut comment = String::new();
    let mut dimension: Option<(usize, usize)> = None; // (value, line)
    let mut ewt: Option<(EdgeWeightType, usize)> = None;
    let mut ewf: Option<(EdgeWeightFormat, usize)> = None;
    let mut coords: Option<Vec<(f64, f64)>> = None;
    let mut weights: Option<DistanceMatrix> = None;

    let mut k = 0;
    while k < lines.len() {
        let (line_no, raw) = lines[k];
        k += 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let (key, value) = match line.split_once(':') {
            Some((key, value)) => (key.trim(), value.trim()),
            None => match line.split_once(char::is_whitespace) {
                Some((key, value)) => (key, value.trim()),
                None => (line, ""),
            },
        };
        // A section's data: the lines up to the next keyword.
        let section = |k: &mut usize| {
            let start = *k;
            while *k < lines.len() && !is_keyword_line(lines[*k].1) {
                *k += 1;
            }
            &lines[start..*k]
        };
        match key {
            "EOF" => break,
            "NAME" => name = value.to_string(),
            "COMMENT" => {
                if !comment.is_empty() {
                    comment.push('\n');
                }
                comment.push_str(value);
            }
            "TYPE" => {
                if value != "TSP" {
                    return err(line_no, format!("TYPE {value} is not supported (only symmetric TSP is)"));
                }
            }
            "DIMENSION" => {
                if dimension.is_some() {
                    return err(line_no, "DIMENSION is given twice");
                }
                let n: usize = match value.parse() {
                    Ok(n) => n,
                    Err(_) => return err(line_no, format!("DIMENSION `{value}` is not a count")),
                };
                if n == 0 {
                    return err(line_no, "DIMENSION is 0");
                }
                if n > MAX_DIMENSION {
                    return err(line_no, format!("DIMENSION {n} is over the {MAX_DIMENSION} nodes read"));
                }
                dimension = Some((n, line_no));
            }
            "EDGE_WEIGHT_TYPE" => {
                let t = match value {
                    "EUC_2D" => EdgeWeightType::Euc2d,
                    "CEIL_2D" => EdgeWeightType::Ceil2d,
                    "ATT" => EdgeWeightType::Att,
                    "GEO" => EdgeWeightType::Geo,
                    "EXPLICIT" => EdgeWeightType::Explicit,
                    "EUC_3D" | "MAX_2D" | "MAX_3D" | "MAN_2D" | "MAN_3D" | "GEOM" | "XRAY1" | "XRAY2" | "SPECIAL" => {
                        return err(
                            line_no,
                            format!(
                                "EDGE_WEIGHT_TYPE {value} is not supported \
                                 (EUC_2D, CEIL_2D, ATT, GEO and EXPLICIT are)"
                            ),
                        );
                    }
                    _ => return err(line_no, format!("unknown EDGE_WEIGHT_TYPE `{value}`")),
                };
                ewt = Some((t, line_no));
            }
            "EDGE_WEIGHT_FORMAT" => match EdgeWeightFormat::parse(value) {
                Some(f) => ewf = Some((f, line_no)),
                None if value == "FUNCTION" => {}
                None => return err(line_no, format!("unknown EDGE_WEIGHT_FORMAT `{value}`")),
            },
            "NODE_COORD_TYPE" => match value {
                "TWOD_COORDS" | "NO_COORDS" => {}
                "THREED_COORDS" => return err(line_no, "NODE_COORD_TYPE THREED_COORDS is not supported"),
                _ => return err(line_no, format!("unknown NODE_COORD_TYPE `{value}`")),
            },
            "DISPLAY_DATA_TYPE" => match value {
                "COORD_DISPLAY" | "TWOD_DISPLAY" | "NO_DISPLAY" => {}
                _ => return err(line_no, format!("unknown DISPLAY_DATA_TYPE `{value}`")),
            },
            "DISPLAY_DATA_SECTION" => {
                section(&mut k);
            }
            "NODE_COORD_SECTION" => {
                let Some((n, _)) = dimension else {
                    return err(line_no, "NODE_COORD_SECTION comes before DIMENSION");
                };
                if coords.is_some() {
                    return err(line_no, "NODE_COORD_SECTION is given twice");
                }
                coords = Some(read_coords(n, line_no, section(&mut k))?);
            }
            "EDGE_WEIGHT_SECTION" => {
                let Some((n, _)) = dimension else {
                    return err(line_no, "EDGE_WEIGHT_SECTION comes before DIMENSION");
                };
                let Some((format, _)) = ewf else {
                    return err(line_no, "EDGE_WEIGHT_SECTION comes before EDGE_WEIGHT_FORMAT");
                };
                if weights.is_some() {
                    return err(line_no, "EDGE_WEIGHT_SECTION is given twice");
                }
                weights = Some(read_weights(n, format, line_no, section(&mut k))?);
            }
            "CAPACITY"
            | "DEMAND_SECTION"
            | "DEPOT_SECTION"
            | "FIXED_EDGES_SECTION"
            | "TOUR_SECTION"
            | "EDGE_DATA_FORMAT"
            | "EDGE_DATA_SECTION" => return err(line_no, format!("{key} is not supported in a TSP instance")),
            _ => return err(line_no, format!("unknown keyword `{key}`")),
        }
    }

    let Some((n, _)) = dimension else {
        return err(last_line, "DIMENSION is missing");
    };
    let Some((edge_weight_type, ewt_line)) = ewt else {
        return err(last_line, "EDGE_WEIGHT_TYPE is missing");
    };
    let matrix = match edge_weight_type {
        EdgeWeightType::Explicit => match weights {
            Some(m) => m,
            None => return err(ewt_line, "EXPLICIT edge weights need an EDGE_WEIGHT_SECTION"),
        },
        t => {
            let Some(c) = &coords else {
                return err(ewt_line, format!("{t:?} edge weights need a NODE_COORD_SECTION"));
            };
            let f = match t {
                EdgeWeightType::Euc2d => euc_2d,
                EdgeWeightType::Ceil2d => ceil_2d,
                EdgeWeightType::Att => att,
                _ => geo,
            };
            DistanceMatrix::from_fn(n, |i, j| f(c[i], c[j]))
        }
    };
    Ok(Instance { name, comment, edge_weight_type, coords, matrix })
}

fn read_coords(n: usize, section_line: usize, data: &[(usize, &str)]) -> Result<Vec<(f64, f64)>, TsplibError> {
    let mut coords: Vec<Option<(f64, f64)>> = vec![None; n];
    for &(line_no, line) in data {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.len() {
            0 => continue,
            3 => {}
            4 => return err(line_no, "a node has 3 coordinates; only 2D coordinates are read"),
            k => return err(line_no, format!("a node line has {k} fields; `id x y` expected")),
        }
        let id: usize = match fields[0].parse() {
            Ok(id) => id,
            Err(_) => return err(line_no, format!("node id `{}` is not a number", fields[0])),
        };
        if id == 0 || id > n {
            return err(line_no, format!("node id {id} is out of range 1..={n}"));
        }
        let mut xy = [0.0; 2];
        for (v, s) in xy.iter_mut().zip(&fields[1..]) {
            *v = match s.parse::<f64>() {
                Ok(v) if v.abs() <= MAX_COORD => v,
                Ok(_) => return err(line_no, format!("coordinate {s} is beyond ±{MAX_COORD:e}")),
                _ => return err(line_no, format!("coordinate `{s}` is not a number")),
            };
        }
        if coords[id - 1].replace((xy[0], xy[1])).is_some() {
            return err(line_no, format!("node {id} is given twice"));
        }
    }
    let given = coords.iter().filter(|c| c.is_some()).count();
    let mut out = Vec::with_capacity(n);
    for (i, c) in coords.into_iter().enumerate() {
        match c {
            Some(c) => out.push(c),
            None => {
                return err(
                    section_line,
                    format!("NODE_COORD_SECTION gives {given} of the {n} nodes (node {} is missing)", i + 1),
                );
            }
        }
    }
    Ok(out)
}

fn read_weights(
    n: usize,
    format: EdgeWeightFormat,
    section_line: usize,
    data: &[(usize, &str)],
) -> Result<DistanceMatrix, TsplibError> {
    let cells = format.cells(n);
    let mut matrix = DistanceMatrix::zeros(n);
    let mut count = 0;
    for &(line_no, line) in data {
        for s in line.split_whitespace() {
            let Some(&(i, j)) = cells.get(count) else {
                return err(line_no, format!("more weights than the {} of {format:?} at DIMENSION {n}", cells.len()));
            };
            let w = match s.parse::<i64>() {
                Ok(w) => w,
                // Integral decimals ("12.0") are weights too.
                Err(_) => match s.parse::<f64>() {
                    Ok(v) if v.fract() == 0.0 && v.abs() < 1e15 => v as i64,
                    _ => return err(line_no, format!("weight `{s}` is not an integer")),
                },
            };
            if w.abs() > MAX_WEIGHT {
                return err(line_no, format!("weight {w} is beyond ±{MAX_WEIGHT}"));
            }
            if i == j {
                // The diagonal is read and dropped: a tour never uses it.
            } else if format == EdgeWeightFormat::FullMatrix {
                if j < i && matrix.get(j, i) != w {
                    return err(
                        line_no,
                        format!(
                            "the matrix is not symmetric: ({}, {}) is {w}, ({}, {}) is {}",
                            i + 1,
                            j + 1,
                            j + 1,
                            i + 1,
                            matrix.get(j, i)
                        ),
                    );
                }
                matrix.set(i, j, w);
            } else {
                matrix.set(i, j, w);
                matrix.set(j, i, w);
            }
            count += 1;
        }
    }
    if count < cells.len() {
        let line = data.last().map_or(section_line, |&(l, _)| l);
        return err(
            line,
            format!("EDGE_WEIGHT_SECTION has {count} weights; {format:?} at DIMENSION {n} needs {}", cells.len()),
        );
    }
    Ok(matrix)
}
