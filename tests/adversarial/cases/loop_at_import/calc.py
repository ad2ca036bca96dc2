# Attack: loop forever while being imported, ignoring SIGTERM and the alarm.
import signal

signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGALRM, signal.SIG_IGN)
while True:
    pass
