//! A minimal stack of layers (x → layer₁ → layer₂ → …), enough to stack
//! two recurrent layers and check their gradients together. Chapter 6
//! builds the full models.

use ndarray::ArrayD;

use foundations::{Layer, Param, Real, Result};

/// Layers applied in order; backward in reverse order.
pub struct Stack<T: Real> {
    layers: Vec<Box<dyn Layer<T>>>,
}

impl<T: Real> Stack<T> {
    /// A stack of the given layers, first applied first.
    pub fn new(layers: Vec<Box<dyn Layer<T>>>) -> Self {
        Stack { layers }
    }
}

impl<T: Real> Layer<T> for Stack<T> {
    fn name(&self) -> String {
        self.layers.iter().map(|l| l.name()).collect::<Vec<_>>().join(" → ")
    }

    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        let mut y = x.clone();
        for l in &mut self.layers {
            y = l.forward(&y)?;
        }
        Ok(y)
    }

    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        let mut d = dy.clone();
        for l in self.layers.iter_mut().rev() {
            d = l.backward(&d)?;
        }
        Ok(d)
    }

    fn params(&self) -> Vec<&Param<T>> {
        self.layers.iter().flat_map(|l| l.params()).collect()
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        self.layers.iter_mut().flat_map(|l| l.params_mut()).collect()
    }

    fn set_training(&mut self, training: bool) {
        for l in &mut self.layers {
            l.set_training(training);
        }
    }
}
