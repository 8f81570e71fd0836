// db2sim: placeholder until the stand-in lands.
print("db2sim: not built yet")
