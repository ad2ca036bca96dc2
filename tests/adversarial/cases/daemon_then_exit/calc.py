# Attack: at import, leave a daemon that holds every inherited pipe open, then end the test
# process: the grader must not wait for the pipes to close.
import os
import time

if os.fork() == 0:
    os.setsid()
    while True:
        time.sleep(1000)
os._exit(3)
