"""The demo's scoring steps against a running `sluice serve`.

    demo_score.py payments URL MODEL            score a payment of each of a few cards, now
    demo_score.py burst BROKERS TOPIC CARD      produce a card-testing burst for CARD (12 small
                                                online payments at different merchants, last minute)
    demo_score.py next URL MODEL CARD           score CARD's next payment, with its features
    demo_score.py traffic URL MODEL SECONDS RATE  score payments of many cards at about RATE a second
                                                for SECONDS (or until killed), then print the
                                                answers per version and variant

Prints each answer as the server gave it.
"""
import json
import sys
import time
import urllib.request


def now_ms():
    return int(time.time() * 1000)


def payment(txn_id, card, merchant, amount, channel="pos", ts=None):
    number = int(card.split("-")[1])
    return {"txn_id": txn_id, "card_id": card, "merchant_id": merchant, "device_id": f"dev-{number}",
            "amount": amount, "currency": "EUR", "country": "DE", "mcc": 5411, "channel": channel,
            "ts": ts or now_ms()}


def score(url, model, event, include_features=False):
    body = json.dumps({"model": model, "event": event, "include_features": include_features}).encode()
    request = urllib.request.Request(url + "/v1/score", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return {"status": error.code, "error": json.loads(error.read() or b"{}")}


def main():
    mode = sys.argv[1]
    if mode == "payments":
        url, model = sys.argv[2], sys.argv[3]
        for index, card in enumerate(["card-1", "card-2", "card-3", "card-40", "card-500", "card-6000"]):
            answer = score(url, model, payment(f"demo-pay-{now_ms()}-{index}", card, f"m-{index}", 42.5))
            print(f"{card:10} -> {json.dumps(answer)}")
        bad = score(url, model, {"txn_id": "demo-bad", "card_id": "card-1"})
        print(f"a payment without its fields -> {json.dumps(bad)}")
    elif mode == "burst":
        from confluent_kafka import Producer

        brokers, topic, card = sys.argv[2], sys.argv[3], sys.argv[4]
        producer = Producer({"bootstrap.servers": brokers})
        start = now_ms() - 60_000
        for step in range(12):
            event = payment(f"demo-burst-{start}-{step}", card, f"m-{100 + step * 7}", 1.5 + step % 3,
                            channel="ecom", ts=start + step * 4_000)
            event["mcc"] = 5999
            producer.produce(topic, key=card, value=json.dumps(event))
        producer.flush(10)
        print(f"produced 12 card-testing payments of {card} over the last minute to {topic}")
    elif mode == "next":
        url, model, card = sys.argv[2], sys.argv[3], sys.argv[4]
        answer = score(url, model, payment(f"demo-next-{now_ms()}", card, "m-3", 2.5, channel="ecom"), True)
        print(json.dumps(answer, indent=1))
    elif mode == "traffic":
        traffic(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]))
    else:
        sys.exit(f"unknown mode {mode}")


def traffic(url, model, seconds, rate):
    import random
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    rng = random.Random(11)
    counts = {}
    start = time.time()
    sent = 0
    try:
        while time.time() - start < seconds:
            card = f"card-{rng.randrange(15000)}"
            amount = round(rng.lognormvariate(3.2, 1.0), 2)
            channel = rng.choice(["pos", "pos", "ecom"])
            answer = score(url, model, payment(f"ct-traffic-{now_ms()}-{sent}", card, f"m-{rng.randrange(400)}",
                                               amount, channel=channel))
            key = f"version {answer.get('version')} {answer.get('variant')}" if "score" in answer else \
                f"status {answer.get('status')}"
            counts[key] = counts.get(key, 0) + 1
            sent += 1
            delay = start + sent / rate - time.time()
            if delay > 0:
                time.sleep(delay)
    finally:
        summary = ", ".join(f"{key}: {count}" for key, count in sorted(counts.items()))
        print(f"traffic: {sent} payments scored in {time.time() - start:.0f} s ({summary})", flush=True)


if __name__ == "__main__":
    main()
