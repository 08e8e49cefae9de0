"""The peer for the passthrough benchmark: a confluent-kafka (librdkafka) consume ->
json.loads -> json.dumps -> produce loop with the same delivery discipline as Weir's
at-least-once mode (offsets stored after delivery, committed every second)."""
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition


def main() -> None:
    bootstrap, source, sink, group, idle = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
    consumer = Consumer({
        "bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
        "enable.auto.offset.store": False, "enable.auto.commit": True, "auto.commit.interval.ms": 1000,
        "session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
    })
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5})
    consumer.subscribe([source])

    def delivered(err, msg, origin=None):
        if err is not None:
            raise RuntimeError(err)

    last_input = None
    count = 0
    while True:
        messages = consumer.consume(num_messages=1000, timeout=0.1)
        if not messages:
            if last_input is not None and time.time() - last_input > idle:
                break
            producer.poll(0)
            continue
        last_input = time.time()
        for message in messages:
            if message.error():
                continue
            value = json.dumps(json.loads(message.value()), separators=(",", ":")).encode()
            while True:
                try:
                    producer.produce(sink, value=value, key=message.key(), headers=message.headers(),
                                     timestamp=message.timestamp()[1], on_delivery=delivered)
                    break
                except BufferError:
                    producer.poll(0.01)
            count += 1
        producer.poll(0)
        producer.flush()
        consumer.store_offsets(offsets=[TopicPartition(m.topic(), m.partition(), m.offset() + 1) for m in messages])
    producer.flush()
    consumer.close()
    print(f"python loop processed {count}", file=sys.stderr)


if __name__ == "__main__":
    main()
