"""WGAN-GP generator steps on the paper's ResNets beside DCGAN's networks, in one process (by hand).

Both models train on the same random 32x32x1 images in [-1, 1] (batch 64, 5 critic updates per
generator update, float32, no XLA), built as `keras-wgan train` builds them: DCGAN with
`base_filters=64` and a layer-normalized critic, the ResNets at the paper's width (128). Each round
times `fit` over `--steps` generator steps on each model in turn, after one untimed `fit` that
traces the step. Appends one JSON line per model and round to
`benchmarks/results/resnet_step_speed.jsonl`: wall and CPU milliseconds per generator step, the
CPU model and the load.

Usage:
    nice -n 19 python benchmarks/resnet_step_speed.py --steps 3 --rounds 2
"""

import argparse
import datetime
import os
import platform
import statistics
import time

import numpy as np
import records

BENCHMARK = "resnet_step_speed"


def cpu_model():
    """The CPU's model name, as `lscpu` prints it."""
    try:
        with open("/proc/cpuinfo") as file:
            for line in file:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def build_models(shape, critic_steps):
    import keras_wgan
    from keras_wgan import networks

    pairs = {
        "dcgan": (networks.build_generator(shape, 128, base_filters=64),
                  networks.build_critic(shape, base_filters=64, normalization="layer")),
        "resnet": (networks.build_resnet_generator(shape, 128),
                   networks.build_resnet_critic(shape)),
    }
    models = {}
    for name, (generator, critic) in pairs.items():
        model = keras_wgan.WGANGP(generator, critic, critic_steps=critic_steps, seed=0)
        model.compile()
        models[name] = model
    return models


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3, help="timed generator steps per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--critic-steps", type=int, default=5)
    args = parser.parse_args()

    import keras

    import keras_wgan

    keras.utils.set_random_seed(0)
    shape = (32, 32, 1)
    images = np.random.default_rng(0).uniform(-1, 1, (2048, *shape)).astype("float32")
    dataset = keras_wgan.data.make_dataset(
        images, args.batch_size, critic_steps=args.critic_steps, seed=0, repeat=True
    )
    models = build_models(shape, args.critic_steps)
    for model in models.values():
        model.fit(dataset, epochs=1, steps_per_epoch=1, verbose=0)
    timings = {name: [] for name in models}
    for round_ in range(args.rounds):
        for name, model in models.items():
            wall, cpu = time.perf_counter(), time.process_time()
            model.fit(dataset, epochs=1, steps_per_epoch=args.steps, verbose=0)
            wall = (time.perf_counter() - wall) * 1000 / args.steps
            cpu = (time.process_time() - cpu) * 1000 / args.steps
            timings[name].append(wall)
            records.append(BENCHMARK, {
                "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "variant": name, "round": round_, "steps": args.steps,
                "batch_size": args.batch_size, "critic_steps": args.critic_steps,
                "image_shape": list(shape), "ms_per_step": round(wall, 1),
                "cpu_ms_per_step": round(cpu, 1),
                "params": {"generator": model.generator.count_params(),
                           "critic": model.critic.count_params()},
                "loadavg": os.getloadavg()[0], "cpu": cpu_model(),
                "cores": os.cpu_count(),
            })
            print(f"round {round_} {name}: {wall:.0f} ms per generator step (CPU {cpu:.0f} ms)")
    dcgan, resnet = (statistics.median(timings[name]) for name in ("dcgan", "resnet"))
    print(f"median ms per generator step: dcgan {dcgan:.0f}, resnet {resnet:.0f} "
          f"({resnet / dcgan:.1f}x) on {cpu_model()}")


if __name__ == "__main__":
    main()
