"""eCH message helpers shared by the adapters and the reference registers (no Django here).

- ``ahv``: Swiss social security numbers (AHV/AVS, eCH-0044 ``vn``) with their EAN-13 check digit.
- ``schemas``: the vendored XSDs (``integrations/reference/xsd``) compiled once per process.
- ``messages``: eCH-0020 v1 moveIn/moveOut deliveries with an eCH-0058 v1 header, and eCH-0058 v3
  event reports (positive/negative acknowledgements).
"""
