import asyncio, base64, hashlib, hmac, json, os
import nats

def signature(key, subject, data):
    """Kubetune-Signature: v1= and base64url (no padding) of HMAC-SHA256(key, subject + newline + body)."""
    digest = hmac.new(key.encode(), subject.encode() + b"\n" + data, hashlib.sha256).digest()
    return "v1=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

async def main():
    ns, job, trial = (os.environ[k] for k in ("KUBETUNE_NAMESPACE", "KUBETUNE_JOB", "KUBETUNE_TRIAL"))
    params, stop = json.loads(os.environ.get("KUBETUNE_PARAMS") or "{}"), asyncio.Event()
    key = os.environ.get("KUBETUNE_REPORT_KEY", "")
    nc = await nats.connect(os.environ["KUBETUNE_NATS_URL"].split(","))
    js, subject = nc.jetstream(), f"kubetune.metrics.{ns}.{job}.{trial}"
    async def on_control(msg):
        if json.loads(msg.data).get("action") == "stop": stop.set()
    await nc.subscribe(f"kubetune.control.{ns}.{job}.{trial}", cb=on_control)
    async def report(step, metrics, final=False):
        body = {"trial": trial, "step": step, "metrics": metrics, **({"final": True} if final else {})}
        data = json.dumps(body).encode()
        headers = {"Nats-Msg-Id": f"{ns}/{trial}/{step}" + ("/final" if final else "")}
        if key:
            headers["Kubetune-Signature"] = signature(key, subject, data)
            headers["Nats-Msg-Id"] += "/" + headers["Kubetune-Signature"][3:19]
        await js.publish(subject, data, headers=headers)
    for epoch in range(1, int(params.get("epochs", 10)) + 1):
        loss = 1.0 / epoch  # <- your training step (PyTorch, JAX, ...) goes here
        await report(epoch, {"loss": loss, "val_loss": loss * 1.1})
        if stop.is_set(): break
    await report(epoch, {"loss": loss, "val_loss": loss * 1.1}, final=True)
    await nc.drain()

asyncio.run(main())
