"""Class conditioning shared by the network builders, and the network ends it changes.

Generators take the label through an embedding concatenated to the latent vector. Critics take it
through a projection head (Miyato and Koyama, "cGANs with Projection Discriminator", 2018):
`score(x, y) = w . h(x) + b + embed(y) . h(x)`, so the label acts on learned features and the
score stays linear in `h(x)`.
"""

import keras
from keras import layers


def check_num_classes(num_classes):
    if num_classes is not None and (
        isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2
    ):
        raise ValueError(
            f"`num_classes` must be an int >= 2 or None. Received: num_classes={num_classes!r}"
        )


def labels_input():
    """The labels input: int32 class indices, shape `[batch]`."""
    return keras.Input((), dtype="int32", name="labels")


def with_label_embedding(latent, labels, num_classes):
    """The latent vector concatenated with a learned embedding of the label (same size)."""
    embedding = layers.Embedding(num_classes, latent.shape[-1], name="label_embedding")(labels)
    return layers.Concatenate(name="latent_and_label")([latent, embedding])


def generator_inputs(latent_dim, num_classes):
    """`(inputs, x)`: a generator's inputs (`[latent, labels]` with classes) and first tensor."""
    latent = keras.Input((latent_dim,), name="latent")
    if not num_classes:
        return latent, latent
    labels = labels_input()
    return [latent, labels], with_label_embedding(latent, labels, num_classes)


def projection_scores(features, labels, num_classes):
    """One linear score per sample: `w . h + b + embed(y) . h`, in float32."""
    unconditional = layers.Dense(1, dtype="float32", name="unconditional_scores")(features)
    embedding = layers.Embedding(
        num_classes, features.shape[-1], dtype="float32", name="label_projection"
    )(labels)
    projection = layers.Dot(axes=1, dtype="float32", name="projection")([features, embedding])
    return layers.Add(dtype="float32", name="scores")([unconditional, projection])


def critic_from_features(inputs, features, num_classes, name):
    """A critic from its last features `[batch, units]` to `[batch, 1]` float32 `scores`.

    With `num_classes`, a labels input is added and the score is the projection head.
    """
    if num_classes:
        labels = labels_input()
        scores = projection_scores(features, labels, num_classes)
        return keras.Model([inputs, labels], scores, name=name)
    scores = layers.Dense(1, dtype="float32", name="scores")(features)
    return keras.Model(inputs, scores, name=name)
