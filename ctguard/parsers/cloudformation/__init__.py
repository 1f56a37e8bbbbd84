"""CloudFormation templates (JSON/YAML, SAM, Serverless, CDK output) to the model:
intrinsic resolution, conditions and their variants, resources, trails, physical names, detection.
"""
