"""Top-k generator updates (Sinha et al., 2020) as a probe patch for the benchmarks (by hand).

`patch(fraction, anneal_steps)` replaces `BaseGAN.generator_loss` in the running process: the
generator's objective is taken over the `k` generated samples the critic scores highest, `k`
falling linearly from the whole batch to `ceil(fraction * batch)` over the first
`anneal_steps` generator updates (the paper decays `k` by 0.99 per epoch down to a floor of
0.5-0.75 of the batch). For probes only: the library does not expose it.
"""


def patch(fraction, anneal_steps):
    import tensorflow as tf
    from keras import ops

    from keras_wgan.models.base import BaseGAN

    def generator_loss(self, latent, labels=None):
        fake = self.augment_samples(self.generate(latent, labels, training=True))
        scores = ops.reshape(ops.cast(self.score(fake, labels, training=True), "float32"), (-1,))
        batch = ops.cast(ops.shape(scores)[0], "float32")
        step = ops.cast(self.generator_optimizer.iterations, "float32")
        progress = ops.minimum(1.0, step / float(max(anneal_steps, 1)))
        kept = 1.0 - (1.0 - fraction) * progress
        k = ops.cast(ops.maximum(1.0, ops.ceil(kept * batch)), "int32")
        top = tf.math.top_k(scores, k).values
        loss = self.generator_objective(top)
        return loss, {"generator_loss": loss}

    BaseGAN.generator_loss = generator_loss
