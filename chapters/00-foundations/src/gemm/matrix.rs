//! Strided matrix views: what GEMM reads and writes.
//!
//! Element (i, j) of a view lives at `data[i·rs + j·cs]`. A row-major
//! M×N matrix has `rs = N, cs = 1`; its transpose is the same memory with
//! the strides swapped, which is how `AᵀB` and `ABᵀ` cost nothing extra to
//! express: `gemm(c, 1.0, a.t(), b, 0.0)`.

use crate::{Error, Result};

/// A read-only (rows × cols) view with strides `rs` (between rows) and `cs`
/// (between columns).
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

/// A writable (rows × cols) row-major view with row stride `ld ≥ cols`
/// (the output C of GEMM; rows never overlap).
#[derive(Debug)]
pub struct MatMut<'a, T> {
    data: &'a mut [T],
    rows: usize,
    cols: usize,
    ld: usize,
}

/// The length a strided view needs: one past its last element.
fn span(rows: usize, cols: usize, rs: usize, cs: usize) -> Option<usize> {
    if rows == 0 || cols == 0 {
        return Some(0);
    }
    (rows - 1).checked_mul(rs)?.checked_add((cols - 1).checked_mul(cs)?)?.checked_add(1)
}

fn too_short(what: &str, rows: usize, cols: usize, need: Option<usize>, have: usize) -> Error {
    match need {
        Some(need) => {
            Error::Shape(format!("{what}: a {rows}x{cols} view needs {need} elements but the slice has {have}"))
        }
        None => Error::Shape(format!("{what}: a {rows}x{cols} view overflows usize")),
    }
}

impl<'a, T> MatRef<'a, T> {
    /// A row-major (rows × cols) view of `data`, which must hold rows·cols elements.
    pub fn new(data: &'a [T], rows: usize, cols: usize) -> Result<Self> {
        Self::with_strides(data, rows, cols, cols, 1)
    }

    /// A view with explicit strides; checks that every element is in bounds.
    pub fn with_strides(data: &'a [T], rows: usize, cols: usize, rs: usize, cs: usize) -> Result<Self> {
        let need = span(rows, cols, rs, cs);
        match need {
            Some(n) if n <= data.len() => Ok(MatRef { data, rows, cols, rs, cs }),
            _ => Err(too_short("matrix", rows, cols, need, data.len())),
        }
    }

    /// The transpose: same memory, strides swapped. (cols × rows)
    pub fn t(self) -> Self {
        MatRef { data: self.data, rows: self.cols, cols: self.rows, rs: self.cs, cs: self.rs }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// Stride between rows.
    pub fn rs(&self) -> usize {
        self.rs
    }
    /// Stride between columns.
    pub fn cs(&self) -> usize {
        self.cs
    }
    /// The underlying slice (element (i, j) at `i·rs + j·cs`).
    pub fn data(&self) -> &'a [T] {
        self.data
    }
}

impl<T: Copy> MatRef<'_, T> {
    /// Element (i, j). Panics when out of range.
    #[inline(always)]
    pub fn at(&self, i: usize, j: usize) -> T {
        debug_assert!(i < self.rows && j < self.cols);
        self.data[i * self.rs + j * self.cs]
    }
}

impl<'a, T> MatMut<'a, T> {
    /// A row-major (rows × cols) view of `data`, which must hold rows·cols elements.
    pub fn new(data: &'a mut [T], rows: usize, cols: usize) -> Result<Self> {
        Self::with_ld(data, rows, cols, cols)
    }

    /// A row-major view whose rows start `ld ≥ cols` elements apart.
    pub fn with_ld(data: &'a mut [T], rows: usize, cols: usize, ld: usize) -> Result<Self> {
        crate::ensure_shape!(
            ld >= cols || rows <= 1,
            "matrix: row stride {ld} is smaller than the {cols} columns, so rows would overlap"
        );
        let need = span(rows, cols, ld, 1);
        match need {
            Some(n) if n <= data.len() => Ok(MatMut { data, rows, cols, ld }),
            _ => Err(too_short("matrix", rows, cols, need, data.len())),
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// Stride between rows.
    pub fn ld(&self) -> usize {
        self.ld
    }
    /// The underlying slice (element (i, j) at `i·ld + j`).
    pub fn data(&mut self) -> &mut [T] {
        self.data
    }
    /// Row i as a slice of `cols` elements.
    pub fn row_mut(&mut self, i: usize) -> &mut [T] {
        &mut self.data[i * self.ld..i * self.ld + self.cols]
    }
    /// A read-only view of the same matrix.
    pub fn as_ref(&self) -> MatRef<'_, T> {
        MatRef { data: self.data, rows: self.rows, cols: self.cols, rs: self.ld, cs: 1 }
    }
    /// Reborrow, so one view can be passed to several calls.
    pub fn rb(&mut self) -> MatMut<'_, T> {
        MatMut { data: self.data, rows: self.rows, cols: self.cols, ld: self.ld }
    }
}
