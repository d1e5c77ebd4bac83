import { test } from "node:test";
import assert from "node:assert/strict";
import { parseFlags, parseParams } from "./params.ts";

test("defaults describe a quick iris MLP", () => {
  const p = parseParams(undefined, []);
  assert.equal(p.dataset, "iris");
  assert.equal(p.model, "mlp");
  assert.equal(p.optimizer, "adam");
  assert.equal(p.folds, 1);
  assert.equal(p.seed, 1);
});

test("flags win over KUBETUNE_PARAMS; numbers may arrive as strings", () => {
  const p = parseParams('{"learningRate": 0.1, "batchSize": "64", "optimizer": "sgd", "momentum": 0.9}', ["--learningRate=0.01", "--units", "128", "--dropout=0.1", "--l2=1e-4"]);
  assert.equal(p.learningRate, 0.01);
  assert.equal(p.batchSize, 64);
  assert.equal(p.units, 128);
  assert.equal(p.dropout, 0.1);
  assert.equal(p.l2, 1e-4);
  assert.equal(p.optimizer, "sgd");
  assert.equal(p.momentum, 0.9);
});

test("the example command line of the docs parses", () => {
  const argv = "--dataset=iris --model=mlp --epochs=20 --learningRate=0.01 --batchSize=32 --dropout=0.1 --l1=0 --l2=0.0001 --optimizer=adam --units=64 --layers=2 --seed=1".split(" ");
  const p = parseParams(undefined, argv);
  assert.deepEqual([p.epochs, p.layers, p.l1, p.l2], [20, 2, 0, 0.0001]);
});

test("bad values are reported with the parameter, the value and the rule", () => {
  assert.throws(() => parseParams(undefined, ["--dropout=1.5"]), /dropout="1\.5": Too big: expected number to be <1/);
  assert.throws(() => parseParams(undefined, ["--batchSize=0.5"]), /batchSize="0\.5"/);
  assert.throws(() => parseParams(undefined, ["--epochs=ten"]), /epochs="ten"/);
  assert.throws(() => parseParams(undefined, ["--optimizer=adagrad"]), /optimizer="adagrad"/);
  assert.throws(() => parseParams(undefined, ["--learningRate=-1"]), /learningRate/);
  assert.throws(() => parseParams('{"lr": 0.1}', []), /unknown parameter lr; known: dataset, model/);
  assert.throws(() => parseParams("{oops", []), /KUBETUNE_PARAMS is not valid JSON/);
  assert.throws(() => parseParams("[1]", []), /KUBETUNE_PARAMS must be a JSON object/);
  assert.throws(() => parseParams(undefined, ["--dataset=csv"]), /csv.*is required with dataset=csv[\s\S]*target.*is required/);
  assert.throws(() => parseParams(undefined, ["--dataset=mnist", "--task=regression"]), /mnist is a classification dataset/);
});

test("flags must look like --name=value or --name value", () => {
  assert.deepEqual(parseFlags(["--a=1", "--b", "2", "--c=x=y"]), { a: "1", b: "2", c: "x=y" });
  assert.throws(() => parseFlags(["lr=1"]), /unexpected argument "lr=1": use --name=value/);
  assert.throws(() => parseFlags(["--seed"]), /flag --seed needs a value/);
});

test("MNIST gets its own defaults, which explicit values still override", () => {
  const p = parseParams('{"dataset": "mnist"}', []);
  assert.deepEqual([p.units, p.epochs, p.batchSize, p.learningRate, p.dropout], [256, 10, 128, 0.002, 0.3]);
  const q = parseParams('{"dataset": "mnist", "units": 64}', ["--dropout=0"]);
  assert.deepEqual([q.units, q.dropout, q.epochs], [64, 0, 10]);
  assert.equal(parseParams(undefined, ["--dataset=iris"]).units, 64);
});

test("a conditional parameter absent from KUBETUNE_PARAMS while inactive takes the trainer's default", () => {
  const inactive = parseParams('{"optimizer": "adam", "layers": 1}', []);
  assert.deepEqual([inactive.optimizer, inactive.momentum, inactive.dropout], ["adam", 0, 0]);
  const active = parseParams('{"optimizer": "sgd", "momentum": 0.9, "layers": 2, "dropout": 0.25}', []);
  assert.deepEqual([active.momentum, active.dropout], [0.9, 0.25]);
});
