//! Small helpers shared by the layers.

use ndarray::{ArrayBase, ArrayD, Data, IxDyn};

use foundations::{Error, Real, Result};

/// The elements of a standard-layout array as a slice.
pub(crate) fn flat<'a, T, S: Data<Elem = T>>(a: &'a ArrayBase<S, IxDyn>, what: &str) -> Result<&'a [T]> {
    a.as_slice().ok_or_else(|| Error::Shape(format!("{what}: array is not contiguous (row-major)")))
}

/// The elements of a standard-layout array as a mutable slice.
pub(crate) fn flat_mut<'a, T>(a: &'a mut ArrayD<T>, what: &str) -> Result<&'a mut [T]> {
    a.as_slice_mut().ok_or_else(|| Error::Shape(format!("{what}: array is not contiguous (row-major)")))
}

/// An array of the given shape from a vector of exactly that many elements.
pub(crate) fn array<T>(shape: &[usize], v: Vec<T>) -> Result<ArrayD<T>> {
    ArrayD::from_shape_vec(IxDyn(shape), v).map_err(|e| Error::Shape(e.to_string()))
}

/// f64 samples converted to T.
pub(crate) fn cast<T: Real>(v: Vec<f64>) -> Vec<T> {
    v.into_iter().map(T::c).collect()
}

/// Σ over rows: acc[j] += Σ_r m[r, j]. m: (rows, cols)  acc: (cols)
pub(crate) fn add_col_sums<T: Real>(acc: &mut [T], m: &[T]) {
    let cols = acc.len();
    if cols == 0 {
        return;
    }
    for row in m.chunks_exact(cols) {
        for (a, &v) in acc.iter_mut().zip(row) {
            *a += v;
        }
    }
}
