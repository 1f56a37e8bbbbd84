"""Terraform to the model: HCL and JSON syntax, module trees, expressions and functions,
count/for_each instances, providers and regions, plan JSON, the parse cache.
"""
