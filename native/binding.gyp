{
  "targets": [
    {
      "target_name": "sdnotify",
      "sources": ["src/sdnotify.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
