{
  "targets": [
    {
      "target_name": "listen_socket",
      "sources": ["native/listen-socket.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
